// Runs the official openai npm client against a running LMI Server.
//
//   [LMI_API_KEY=KEY] node check.mjs http://127.0.0.1:8080/v1 MODEL
//
// Checks models, completions and chat completions (plain and streamed: the streamed pieces must
// concatenate to the plain answer of the same greedy request), usage counts and a 400 error; with
// LMI_API_KEY, that clients with a wrong key get an AuthenticationError (401).
// Prints one JSON line on success; on any mismatch prints what differed and exits 1.
import { check, checkEqual, expectBadRequest, runChecks } from './checks.mjs';

const MAX_TOKENS = 8;
const PROMPT = 'The quick brown fox';
const MESSAGES = [{ role: 'user', content: 'Say hello.' }];

function checkUsage(usage, what) {
  check(usage && typeof usage === 'object', `${what}: usage missing`, usage);
  check(Number.isInteger(usage.prompt_tokens) && usage.prompt_tokens > 0,
    `${what}: usage.prompt_tokens must be a positive integer`, usage);
  check(Number.isInteger(usage.completion_tokens)
    && usage.completion_tokens > 0 && usage.completion_tokens <= MAX_TOKENS,
    `${what}: usage.completion_tokens must be in 1..${MAX_TOKENS}`, usage);
  check(usage.total_tokens === usage.prompt_tokens + usage.completion_tokens,
    `${what}: usage.total_tokens must be prompt_tokens + completion_tokens`, usage);
}

function checkFinish(finishReason, usage, what) {
  check(finishReason === 'length' || finishReason === 'stop',
    `${what}: finish_reason must be "length" or "stop"`, finishReason);
  if (finishReason === 'length') {
    check(usage.completion_tokens === MAX_TOKENS,
      `${what}: finish_reason "length" needs ${MAX_TOKENS} completion tokens`, usage);
  }
}

async function checkModels(client, model) {
  const page = await client.models.list();
  const ids = page.data.map((m) => m.id);
  check(ids.includes(model), `models.list() does not list ${model}`, ids);
  return ids;
}

async function checkCompletions(client, model) {
  const request = { model, prompt: PROMPT, max_tokens: MAX_TOKENS, temperature: 0 };
  const plain = await client.completions.create(request);
  check(plain.object === 'text_completion', 'completion.object', plain.object);
  check(plain.choices?.length === 1, 'completion must have one choice', plain.choices);
  const [choice] = plain.choices;
  check(typeof choice.text === 'string' && choice.text.length > 0, 'completion text must be non-empty', choice);
  checkUsage(plain.usage, 'completion');
  checkFinish(choice.finish_reason, plain.usage, 'completion');

  const stream = await client.completions.create({
    ...request, stream: true, stream_options: { include_usage: true },
  });
  let text = '';
  let finishReason = null;
  let usage = null;
  let chunks = 0;
  for await (const chunk of stream) {
    chunks += 1;
    check(chunk.object === 'text_completion', 'streamed completion chunk.object', chunk.object);
    for (const c of chunk.choices) {
      text += c.text ?? '';
      finishReason = c.finish_reason ?? finishReason;
    }
    usage = chunk.usage ?? usage;
  }
  checkEqual(text, choice.text, 'streamed completion text differs from the non-streamed text');
  checkEqual(finishReason, choice.finish_reason, 'streamed completion finish_reason');
  checkEqual(usage, plain.usage, 'streamed completion usage (stream_options.include_usage)');
  return { text: choice.text, finish_reason: choice.finish_reason, usage: plain.usage, chunks };
}

async function checkChat(client, model) {
  const request = { model, messages: MESSAGES, max_tokens: MAX_TOKENS, temperature: 0 };
  const plain = await client.chat.completions.create(request);
  check(plain.object === 'chat.completion', 'chat completion.object', plain.object);
  check(plain.choices?.length === 1, 'chat completion must have one choice', plain.choices);
  const [choice] = plain.choices;
  check(choice.message?.role === 'assistant', 'chat message.role must be "assistant"', choice.message);
  const content = choice.message.content;
  check(typeof content === 'string' && content.length > 0, 'chat message.content must be non-empty', choice.message);
  checkUsage(plain.usage, 'chat completion');
  checkFinish(choice.finish_reason, plain.usage, 'chat completion');

  const stream = await client.chat.completions.create({
    ...request, stream: true, stream_options: { include_usage: true },
  });
  let streamed = '';
  let role = null;
  let finishReason = null;
  let usage = null;
  let chunks = 0;
  for await (const chunk of stream) {
    chunks += 1;
    check(chunk.object === 'chat.completion.chunk', 'streamed chat chunk.object', chunk.object);
    for (const c of chunk.choices) {
      role = role ?? c.delta?.role ?? null;
      streamed += c.delta?.content ?? '';
      finishReason = c.finish_reason ?? finishReason;
    }
    if (chunk.usage) {
      check(chunk.choices.length === 0, 'the usage chunk must have no choices', chunk);
      usage = chunk.usage;
    }
  }
  checkEqual(role, 'assistant', 'streamed chat delta.role');
  checkEqual(streamed, content, 'streamed chat deltas differ from the non-streamed message content');
  checkEqual(finishReason, choice.finish_reason, 'streamed chat finish_reason');
  checkEqual(usage, plain.usage, 'streamed chat usage (stream_options.include_usage)');
  return { content, finish_reason: choice.finish_reason, usage: plain.usage, chunks };
}

async function checkErrors(client, model) {
  const completion = await expectBadRequest('completions with temperature -1',
    () => client.completions.create({ model, prompt: PROMPT, max_tokens: MAX_TOKENS, temperature: -1 }),
    'temperature');
  const chatStream = await expectBadRequest('streamed chat with temperature -1',
    () => client.chat.completions.create({
      model, messages: MESSAGES, max_tokens: MAX_TOKENS, temperature: -1, stream: true,
    }),
    'temperature');
  return { completion, chat_stream: chatStream };
}

runChecks('check.mjs', async (client, model) => ({
  models: await checkModels(client, model),
  completion: await checkCompletions(client, model),
  chat: await checkChat(client, model),
  errors: await checkErrors(client, model),
}), (client, model) => client.chat.completions.create({ model, messages: MESSAGES, max_tokens: MAX_TOKENS }));
