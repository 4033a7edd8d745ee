// What check.mjs and check-embeddings.mjs share: mismatch reporting, the expected-400 and
// expected-401 checks, and the command line (BASE_URL MODEL, the server's API key in LMI_API_KEY
// when it has one) with its one-line JSON summary or exit status 1.
import OpenAI from 'openai';
import { VERSION } from 'openai/version';

export class Mismatch extends Error {}

export function check(condition, what, details) {
  if (!condition) {
    throw new Mismatch(details === undefined ? what : `${what}: ${JSON.stringify(details)}`);
  }
}

export function checkEqual(actual, expected, what) {
  check(JSON.stringify(actual) === JSON.stringify(expected), what,
    { expected, actual });
}

export async function expectBadRequest(what, call, field) {
  let error = null;
  try {
    const result = await call();
    if (result && typeof result[Symbol.asyncIterator] === 'function') {
      for await (const _ of result) { /* drain: an error may arrive in the stream */ }
    }
  } catch (e) {
    error = e;
  }
  check(error !== null, `${what}: the client did not throw`);
  check(error instanceof OpenAI.APIError, `${what}: expected an OpenAI.APIError`, String(error));
  check(error.status === 400, `${what}: expected status 400`, { status: error.status, message: error.message });
  check(error instanceof OpenAI.BadRequestError, `${what}: expected an OpenAI.BadRequestError`, error.constructor.name);
  check(error.message.includes(field), `${what}: the error message must name "${field}"`,
    { message: error.message, body: error.error ?? null });
  return error.message;
}

export async function expectAuthenticationError(what, call) {
  let error = null;
  try {
    await call();
  } catch (e) {
    error = e;
  }
  check(error !== null, `${what}: the client did not throw`);
  check(error instanceof OpenAI.AuthenticationError, `${what}: expected an OpenAI.AuthenticationError`,
    { error: error.constructor?.name, status: error.status, message: error.message });
  check(error.status === 401, `${what}: expected status 401`, { status: error.status, message: error.message });
  check(error.message.includes('API key'), `${what}: the error message must speak of the API key`, error.message);
  return error.message;
}

function newClient(baseURL, apiKey) {
  return new OpenAI({ baseURL, apiKey, maxRetries: 0, timeout: 60_000 });
}

// Clients with a wrong key, of the same length as the right one and of another, get 401 on
// models.list() and on keyedCall(client, model), a request of the script's own API.
async function checkWrongKeys(baseURL, model, apiKey, keyedCall) {
  const sameLength = apiKey.slice(0, -1) + (apiKey.endsWith('x') ? 'y' : 'x');
  const results = {};
  for (const [name, wrongKey] of [['same_length', sameLength], ['other_length', `${apiKey}-wrong`]]) {
    const client = newClient(baseURL, wrongKey);
    results[name] = {
      models: await expectAuthenticationError(`models.list() with a wrong key (${name})`,
        () => client.models.list()),
      request: await expectAuthenticationError(`a request with a wrong key (${name})`,
        () => keyedCall(client, model)),
    };
  }
  return results;
}

// Runs checks(client, model), which returns what the summary reports, against process.argv's BASE_URL MODEL.
// With LMI_API_KEY set, the client sends it, and clients with wrong keys must get 401 on models.list()
// and on keyedCall(client, model).
export function runChecks(script, checks, keyedCall) {
  const [baseURL, model] = process.argv.slice(2);
  if (!baseURL || !model) {
    console.error(`usage: [LMI_API_KEY=KEY] node ${script} BASE_URL MODEL   (e.g. http://127.0.0.1:8080/v1 demo)`);
    process.exit(2);
  }
  const apiKey = process.env.LMI_API_KEY;
  const client = newClient(baseURL, apiKey ?? 'unused');
  const all = async () => {
    const results = await checks(client, model);
    return apiKey ? { ...results, wrong_keys: await checkWrongKeys(baseURL, model, apiKey, keyedCall) } : results;
  };
  all().then((results) => {
    console.log(JSON.stringify({ ok: true, openai: VERSION, baseURL, model, api_key: Boolean(apiKey), ...results }));
  }).catch((e) => {
    if (e instanceof Mismatch) {
      console.error(`openai client check FAILED: ${e.message}`);
    } else {
      console.error(`openai client check FAILED with an unexpected error: ${e?.stack ?? e}`);
    }
    process.exit(1);
  });
}
