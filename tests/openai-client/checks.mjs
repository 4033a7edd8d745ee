// What check.mjs and check-embeddings.mjs share: mismatch reporting, the expected-400 check, and
// the command line (BASE_URL MODEL) with its one-line JSON summary or exit status 1.
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

// Runs checks(client, model), which returns what the summary reports, against process.argv's BASE_URL MODEL.
export function runChecks(script, checks) {
  const [baseURL, model] = process.argv.slice(2);
  if (!baseURL || !model) {
    console.error(`usage: node ${script} BASE_URL MODEL   (e.g. http://127.0.0.1:8080/v1 demo)`);
    process.exit(2);
  }
  const client = new OpenAI({ baseURL, apiKey: 'unused', maxRetries: 0, timeout: 60_000 });
  checks(client, model).then((results) => {
    console.log(JSON.stringify({ ok: true, openai: VERSION, baseURL, model, ...results }));
  }).catch((e) => {
    if (e instanceof Mismatch) {
      console.error(`openai client check FAILED: ${e.message}`);
    } else {
      console.error(`openai client check FAILED with an unexpected error: ${e?.stack ?? e}`);
    }
    process.exit(1);
  });
}
