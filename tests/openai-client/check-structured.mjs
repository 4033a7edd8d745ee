// Runs the official openai npm client's structured-output and tool calls against a running LMI Server.
//
//   [LMI_API_KEY=KEY] node check-structured.mjs http://127.0.0.1:8080/v1 MODEL
//
// Checks response_format json_schema (strict) and json_object on chat completions, tools with a
// named tool_choice (plain and streamed: the streamed argument pieces must concatenate to the plain
// call of the same greedy request), tool_choice "required" over two tools, a tool result carried
// back in the conversation, and a 400 naming an unsupported schema keyword; with LMI_API_KEY, that
// clients with a wrong key get an AuthenticationError (401).
// Prints one JSON line on success; on any mismatch prints what differed and exits 1.
import { check, checkEqual, expectBadRequest, runChecks } from './checks.mjs';

const MAX_TOKENS = 200;
const MESSAGES = [{ role: 'user', content: 'Describe a city as JSON.' }];

const CITY = {
  type: 'object',
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 12 },
    population: { type: 'integer', minimum: 0, maximum: 100000 },
    coastal: { type: 'boolean' },
  },
  required: ['name', 'population', 'coastal'],
  additionalProperties: false,
};

const WEATHER = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'The weather in a city',
    parameters: {
      type: 'object',
      properties: {
        city: { type: 'string', maxLength: 10 },
        unit: { enum: ['celsius', 'fahrenheit'] },
      },
      required: ['city', 'unit'],
      additionalProperties: false,
    },
  },
};

const TIME = {
  type: 'function',
  function: {
    name: 'get_time',
    description: 'The local time in a timezone',
    parameters: {
      type: 'object',
      properties: { zone: { type: 'string', pattern: '^[A-Z][a-z]{1,8}/[A-Z][a-z]{1,8}$' } },
      required: ['zone'],
      additionalProperties: false,
    },
  },
};

function parseJson(text, what) {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new Error(`${what}: not JSON (${e.message}): ${JSON.stringify(text)}`);
  }
}

function checkCity(city, what) {
  check(city && typeof city === 'object' && !Array.isArray(city), `${what}: must be an object`, city);
  checkEqual(Object.keys(city).sort(), ['coastal', 'name', 'population'], `${what}: keys`);
  check(typeof city.name === 'string' && [...city.name].length >= 1 && [...city.name].length <= 12,
    `${what}: name must be a string of 1..12 characters`, city);
  check(Number.isInteger(city.population) && city.population >= 0 && city.population <= 100000,
    `${what}: population must be an integer in 0..100000`, city);
  check(typeof city.coastal === 'boolean', `${what}: coastal must be a boolean`, city);
}

function checkArguments(name, args, what) {
  if (name === 'get_weather') {
    checkEqual(Object.keys(args).sort(), ['city', 'unit'], `${what}: get_weather argument keys`);
    check(typeof args.city === 'string' && [...args.city].length <= 10, `${what}: city`, args);
    check(['celsius', 'fahrenheit'].includes(args.unit), `${what}: unit`, args);
  } else {
    checkEqual(name, 'get_time', `${what}: the call names neither tool`);
    checkEqual(Object.keys(args), ['zone'], `${what}: get_time argument keys`);
    check(/^[A-Z][a-z]{1,8}\/[A-Z][a-z]{1,8}$/.test(args.zone), `${what}: zone must match the pattern`, args);
  }
}

async function checkJsonSchema(client, model) {
  const reply = await client.chat.completions.create({
    model, messages: MESSAGES, max_tokens: MAX_TOKENS, temperature: 0.8, seed: 11,
    response_format: { type: 'json_schema', json_schema: { name: 'city', schema: CITY, strict: true } },
  });
  const [choice] = reply.choices;
  checkEqual(choice.finish_reason, 'stop', 'json_schema: finish_reason');
  const city = parseJson(choice.message.content, 'json_schema content');
  checkCity(city, 'json_schema content');
  return city;
}

async function checkJsonObject(client, model) {
  const reply = await client.chat.completions.create({
    model, messages: MESSAGES, max_tokens: MAX_TOKENS, temperature: 0.8, seed: 5,
    response_format: { type: 'json_object' },
  });
  const [choice] = reply.choices;
  const content = choice.message.content;
  if (choice.finish_reason === 'stop') {
    const value = parseJson(content, 'json_object content');
    check(value && typeof value === 'object' && !Array.isArray(value), 'json_object content must be an object', value);
  } else {
    checkEqual(choice.finish_reason, 'length', 'json_object: finish_reason');
    check(content.startsWith('{'), 'json_object content cut by max_tokens must still open an object', content);
  }
  return { finish_reason: choice.finish_reason, chars: content.length };
}

async function checkNamedTool(client, model) {
  const request = {
    model, messages: [{ role: 'user', content: 'What is the weather in Paris?' }], max_tokens: MAX_TOKENS,
    temperature: 0, tools: [WEATHER, TIME], tool_choice: { type: 'function', function: { name: 'get_weather' } },
  };
  const reply = await client.chat.completions.create(request);
  const [choice] = reply.choices;
  checkEqual(choice.finish_reason, 'tool_calls', 'named tool_choice: finish_reason');
  check(choice.message.content === null, 'named tool_choice: content must be null', choice.message);
  const calls = choice.message.tool_calls;
  check(Array.isArray(calls) && calls.length === 1, 'named tool_choice: exactly one tool call', calls);
  const [call] = calls;
  checkEqual(call.type, 'function', 'tool call type');
  check(typeof call.id === 'string' && call.id.startsWith('call_'), 'tool call id', call);
  checkEqual(call.function.name, 'get_weather', 'named tool_choice: function name');
  checkArguments('get_weather', parseJson(call.function.arguments, 'arguments'), 'named tool_choice');

  const stream = await client.chat.completions.create({ ...request, stream: true });
  const streamed = { id: null, type: null, name: null, arguments: '' };
  let finishReason = null;
  let chunks = 0;
  for await (const chunk of stream) {
    chunks += 1;
    for (const c of chunk.choices) {
      for (const delta of c.delta?.tool_calls ?? []) {
        checkEqual(delta.index, 0, 'streamed tool call index');
        streamed.id = delta.id ?? streamed.id;
        streamed.type = delta.type ?? streamed.type;
        streamed.name = delta.function?.name ?? streamed.name;
        streamed.arguments += delta.function?.arguments ?? '';
      }
      finishReason = c.finish_reason ?? finishReason;
    }
  }
  check(typeof streamed.id === 'string' && streamed.id.startsWith('call_'), 'streamed tool call id', streamed);
  checkEqual(streamed.type, 'function', 'streamed tool call type');
  checkEqual(streamed.name, 'get_weather', 'streamed tool call name');
  checkEqual(streamed.arguments, call.function.arguments, 'streamed arguments differ from the non-streamed ones');
  checkEqual(finishReason, 'tool_calls', 'streamed named tool_choice: finish_reason');
  return { call, chunks };
}

async function checkRequiredTools(client, model) {
  const reply = await client.chat.completions.create({
    model, messages: [{ role: 'user', content: 'Weather in Oslo and the time in Tokyo?' }], max_tokens: MAX_TOKENS,
    temperature: 0.8, seed: 3, tools: [WEATHER, TIME], tool_choice: 'required',
  });
  const [choice] = reply.choices;
  checkEqual(choice.finish_reason, 'tool_calls', 'tool_choice "required": finish_reason');
  const calls = choice.message.tool_calls;
  check(Array.isArray(calls) && calls.length >= 1, 'tool_choice "required": at least one call', choice.message);
  for (const call of calls) {
    checkArguments(call.function.name, parseJson(call.function.arguments, 'arguments'), 'tool_choice "required"');
  }
  return calls.map((call) => call.function.name);
}

async function checkToolResult(client, model, call) {
  const reply = await client.chat.completions.create({
    model, max_tokens: 8, temperature: 0, tools: [WEATHER, TIME],
    messages: [
      { role: 'user', content: 'What is the weather in Paris?' },
      { role: 'assistant', content: null, tool_calls: [call] },
      { role: 'tool', tool_call_id: call.id, content: JSON.stringify({ temperature: 18, sky: 'clear' }) },
    ],
    tool_choice: 'none',
  });
  const [choice] = reply.choices;
  checkEqual(choice.message.role, 'assistant', 'after a tool result: role');
  check(typeof choice.message.content === 'string', 'after a tool result with tool_choice "none": text content',
    choice.message);
  check(!choice.message.tool_calls?.length, 'tool_choice "none" must not return tool calls', choice.message);
  check(reply.usage.prompt_tokens > 0, 'after a tool result: prompt tokens', reply.usage);
  return { finish_reason: choice.finish_reason, prompt_tokens: reply.usage.prompt_tokens };
}

async function checkErrors(client, model) {
  return expectBadRequest('json_schema with an unsupported keyword',
    () => client.chat.completions.create({
      model, messages: MESSAGES, max_tokens: MAX_TOKENS,
      response_format: {
        type: 'json_schema',
        json_schema: { name: 'bad', schema: { type: 'object', minProperties: 1 }, strict: true },
      },
    }),
    'minProperties');
}

runChecks('check-structured.mjs', async (client, model) => {
  const named = await checkNamedTool(client, model);
  return {
    json_schema: await checkJsonSchema(client, model),
    json_object: await checkJsonObject(client, model),
    named_tool: { arguments: named.call.function.arguments, chunks: named.chunks },
    required_tools: await checkRequiredTools(client, model),
    tool_result: await checkToolResult(client, model, named.call),
    errors: { unsupported_keyword: await checkErrors(client, model) },
  };
}, (client, model) => client.chat.completions.create({
  model, messages: MESSAGES, max_tokens: 8, response_format: { type: 'json_object' },
}));
