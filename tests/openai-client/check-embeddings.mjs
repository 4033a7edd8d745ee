// Runs the official openai npm client's embeddings against a running LMI Server that serves an
// embedding model (option.task=text-embedding).
//
//   [LMI_API_KEY=KEY] node check-embeddings.mjs http://127.0.0.1:8080/v1 MODEL
//
// The client asks for base64 unless told otherwise and decodes the vectors itself; they must match
// those asked for as floats. Checks dimensions, unit length, index order, usage and a 400 error;
// with LMI_API_KEY, that clients with a wrong key get an AuthenticationError (401).
// Prints one JSON line on success; on any mismatch prints what differed and exits 1.
import { check, checkEqual, expectBadRequest, runChecks } from './checks.mjs';

const DIMENSION = 384;
const SENTENCES = ['The quick brown fox', 'jumps over the lazy dog.', 'Embeddings map text to vectors.'];

function checkResponse(response, inputs, what) {
  check(response.object === 'list', `${what}: object`, response.object);
  check(response.data?.length === inputs, `${what}: one embedding per input`, response.data?.length);
  response.data.forEach((entry, i) => {
    check(entry.object === 'embedding', `${what}: data[${i}].object`, entry.object);
    check(entry.index === i, `${what}: data[${i}].index`, entry.index);
    check(Array.isArray(entry.embedding) && entry.embedding.length === DIMENSION,
      `${what}: data[${i}].embedding must be ${DIMENSION} numbers`, entry.embedding?.length);
    const norm = Math.sqrt(entry.embedding.reduce((sum, x) => sum + x * x, 0));
    check(Math.abs(norm - 1) <= 1e-3, `${what}: data[${i}].embedding must have unit length`, norm);
  });
  check(Number.isInteger(response.usage?.prompt_tokens) && response.usage.prompt_tokens > 0,
    `${what}: usage.prompt_tokens must be a positive integer`, response.usage);
  return response.usage;
}

function checkSameVectors(actual, expected, what) {
  expected.data.forEach((entry, i) => {
    const differs = entry.embedding.findIndex((x, j) => Math.abs(x - actual.data[i].embedding[j]) > 1e-6);
    check(differs < 0, `${what}: data[${i}].embedding[${differs}] differs`,
      { expected: entry.embedding[differs], actual: actual.data[i].embedding[differs] });
  });
}

async function checkEmbeddings(client, model) {
  const one = await client.embeddings.create({ model, input: SENTENCES[0] });
  const oneUsage = checkResponse(one, 1, 'one sentence (base64, decoded by the client)');
  const list = await client.embeddings.create({ model, input: SENTENCES });
  const listUsage = checkResponse(list, SENTENCES.length, 'three sentences (base64, decoded by the client)');

  const floats = await client.embeddings.create({ model, input: SENTENCES, encoding_format: 'float' });
  checkResponse(floats, SENTENCES.length, 'three sentences (float)');
  checkSameVectors(floats, list, 'float against base64');
  checkEqual(floats.usage, list.usage, 'usage of the float and base64 requests');
  return { one: oneUsage, three: listUsage };
}

runChecks('check-embeddings.mjs', async (client, model) => ({
  embeddings: await checkEmbeddings(client, model),
  error: await expectBadRequest('embeddings of an empty list',
    () => client.embeddings.create({ model, input: [] }), 'input'),
}), (client, model) => client.embeddings.create({ model, input: SENTENCES[0] }));
