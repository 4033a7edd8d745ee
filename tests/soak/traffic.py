"""The soak's request mix: what each request sends, how the client ends it, and what a correct answer looks like."""

import json
import math

# Plain English for text prompts; a prompt is a window of it, wrapping around.
PROSE = (
    "The harbour was quiet in the early morning, and the fishing boats rocked gently against the stone wall. "
    "A few gulls circled above the market, waiting for the first crates of the day to be opened. Down by the "
    "water an old man mended a net with slow and careful hands, as he had done every morning for forty years. "
    "He remembered when the town had three bakeries, a cinema and a school with two hundred children; now the "
    "bakery on the corner was the last one, and the cinema had become a shop that sold paint and garden tools. "
    "Still, in summer the streets filled with visitors who walked along the cliffs, swam in the cold green sea "
    "and ate their lunch on the benches by the lighthouse. They asked him about the weather, about the names of "
    "the boats and about the storm that had broken the pier in the winter his daughter was born. He told them "
    "the same stories each year, changing a detail here and there, because a story that never changes is a "
    "story nobody listens to. When the tide turned in the afternoon he packed his needles, folded the net and "
    "climbed the steep lane to his house, where the kettle was always the first thing he reached for. From his "
    "window he could see the whole bay, the islands beyond it and, on a clear evening, the lights of the ships "
    "that passed far out on their way to the big ports in the south."
).split()
STOP_SEQUENCES = [".", "the", "\n", "and", ","]
# The tokenizer splits plain English into at most about this many tokens a word (most words are one or two).
TOKENS_PER_WORD_BOUND = 2
# What a chat template and the special tokens add to a prompt, at most.
PROMPT_OVERHEAD_TOKENS = 48
# Random prompt ids: past the special tokens (0-2) and the first byte-fallback ones, up to the vocabulary's end.
FIRST_CONTENT_TOKEN_ID = 100
VOCAB_SIZE = 32000
BOS = 1

API_ROUTES = {"completions": "/v1/completions", "chat": "/v1/chat/completions", "invocations": "/invocations"}
# How a request ends on the client's side, with its weight in the mix.
ENDINGS = {"whole": 70, "cancel": 15, "disconnect": 9, "disconnect-mid-body": 6}
API_WEIGHTS = {"completions": 45, "invocations": 40, "chat": 15}


class Plan:
    """One request: its route and body, and how the client ends it."""

    def __init__(self, api, stream, ending, body, max_tokens, exact, cancel_after=0, send_delay=0.0):
        self.api = api
        self.route = API_ROUTES[api]
        self.stream = stream
        self.ending = ending
        self.body = json.dumps(body).encode("utf-8")
        self.max_tokens = max_tokens
        # Whether the answer must have exactly max_tokens tokens (ignore_eos and no stop sequence).
        self.exact = exact
        self.cancel_after = cancel_after
        self.send_delay = send_delay

    @property
    def kind(self):
        mode = "stream" if self.stream else "whole"
        return "%s/%s/%s" % (self.api, mode, self.ending)

    def describe(self):
        return "%s %s max_tokens=%d body=%s" % (self.kind, self.route, self.max_tokens, self.body[:160])


def log_uniform(rng, low, high):
    return int(round(math.exp(rng.uniform(math.log(low), math.log(high)))))


def weighted(rng, weights):
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def random_ids(rng, length):
    """A token-id prompt of `length` ids: BOS, then random ones."""
    return [BOS] + [rng.randrange(FIRST_CONTENT_TOKEN_ID, VOCAB_SIZE) for _ in range(length - 1)]


class TrafficMix:
    """Draws requests from the mix with one seeded random generator per client, so a seed replays the same run."""

    def __init__(self, rng, chat_enabled, max_model_len, max_prompt_tokens, max_new_tokens, shared_prefix):
        self.rng = rng
        self.apis = {api: weight for api, weight in API_WEIGHTS.items() if chat_enabled or api != "chat"}
        self.max_model_len = max_model_len
        self.max_prompt_tokens = max_prompt_tokens
        self.max_new_tokens = max_new_tokens
        self.shared_prefix = shared_prefix

    def next_plan(self):
        rng = self.rng
        api = weighted(rng, self.apis)
        ending = weighted(rng, ENDINGS)
        stream = ending == "cancel" or rng.random() < 0.5
        prompt, prompt_tokens = self._prompt(api)
        room = self.max_model_len - prompt_tokens
        max_tokens = max(1, min(log_uniform(rng, 1, self.max_new_tokens), room))
        if ending == "cancel":
            # Enough tokens that the cancel lands mid-stream.
            max_tokens = max(max_tokens, min(room, 32))
        stop = rng.sample(STOP_SEQUENCES, rng.randint(1, 2)) if rng.random() < 0.1 else None
        ignore_eos = rng.random() < 0.5
        sampling = {"temperature": 0.0} if rng.random() < 0.4 else {
            "temperature": round(rng.uniform(0.3, 1.2), 2), "top_p": 0.95, "seed": rng.randrange(1 << 30)}
        body = self._body(api, prompt, stream, max_tokens, stop, ignore_eos, sampling)
        return Plan(api, stream, ending, body, max_tokens, exact=ignore_eos and stop is None,
                    cancel_after=rng.randint(1, 8), send_delay=rng.choice([0.0, 0.0, 0.05, 0.3]))

    def _prompt(self, api):
        """A prompt and a bound on its token count: token ids for some completions, else text."""
        rng = self.rng
        if api == "completions" and rng.random() < 0.5:
            length = log_uniform(rng, 2, self.max_prompt_tokens)
            if rng.random() < 0.5:
                ids = self.shared_prefix[:length]
            else:
                ids = random_ids(rng, length)
            return ids, length
        words = max(1, log_uniform(rng, 2, self.max_prompt_tokens) // TOKENS_PER_WORD_BOUND)
        start = rng.randrange(len(PROSE))
        text = " ".join(PROSE[(start + i) % len(PROSE)] for i in range(words))
        return text, words * TOKENS_PER_WORD_BOUND + PROMPT_OVERHEAD_TOKENS

    def _body(self, api, prompt, stream, max_tokens, stop, ignore_eos, sampling):
        if api == "invocations":
            parameters = dict(sampling, max_new_tokens=max_tokens, details=True, ignore_eos=ignore_eos)
            if sampling["temperature"] > 0:
                parameters["do_sample"] = True
            if stop:
                parameters["stop"] = stop
            return {"inputs": prompt, "parameters": parameters, "stream": stream}
        body = dict(sampling, max_tokens=max_tokens, stream=stream, ignore_eos=ignore_eos)
        if stream:
            body["stream_options"] = {"include_usage": True}
        if stop:
            body["stop"] = stop
        if api == "chat":
            turns = [{"role": "user", "content": prompt}]
            if self.rng.random() < 0.3:
                turns = [{"role": "user", "content": "Tell me about the harbour."},
                         {"role": "assistant", "content": "It is quiet in the morning."}] + turns
            body["messages"] = turns
        else:
            body["prompt"] = prompt
        return body


class BadAnswer(Exception):
    """A 200 answer that breaks the API's contract."""


OPENAI_FINISH_REASONS = {"stop", "length"}
LMI_FINISH_REASONS = {"length", "eos_token", "stop_sequence"}


def check_count(plan, tokens, finish_reason, length_reason):
    if not isinstance(tokens, int) or tokens < 0 or tokens > plan.max_tokens:
        raise BadAnswer("%r tokens for max_tokens %d" % (tokens, plan.max_tokens))
    if plan.exact and (tokens != plan.max_tokens or finish_reason != length_reason):
        raise BadAnswer("ignore_eos without stop: %d tokens, finish %r; expected %d, %r"
                        % (tokens, finish_reason, plan.max_tokens, length_reason))


def whole_answer_tokens(plan, answer):
    """Validates a non-streamed 200 answer; returns its generated token count."""
    try:
        if plan.api == "invocations":
            if not isinstance(answer["generated_text"], str):
                raise BadAnswer("generated_text is not a string")
            details = answer["details"]
            reason = details["finish_reason"]
            if reason not in LMI_FINISH_REASONS:
                raise BadAnswer("finish_reason %r" % reason)
            check_count(plan, details["generated_tokens"], reason, "length")
            return details["generated_tokens"]
        choice = answer["choices"][0]
        text = choice["message"]["content"] if plan.api == "chat" else choice["text"]
        if not isinstance(text, str):
            raise BadAnswer("the choice's text is not a string")
        if choice["finish_reason"] not in OPENAI_FINISH_REASONS:
            raise BadAnswer("finish_reason %r" % choice["finish_reason"])
        tokens = answer["usage"]["completion_tokens"]
        check_count(plan, tokens, choice["finish_reason"], "length")
        return tokens
    except (KeyError, IndexError, TypeError) as error:
        raise BadAnswer("missing field %s in %s" % (error, json.dumps(answer)[:300])) from error


class StreamState:
    """Follows one streamed answer event by event: counts token events, finds its end and validates it."""

    def __init__(self, plan):
        self.plan = plan
        self.token_events = 0
        self.finished = False
        self.tokens = None
        self.finish_reason = None

    def on_event(self, data):
        """One SSE data string or JSON line."""
        if self.finished:
            raise BadAnswer("event after the end of the stream: %r" % data[:200])
        if data == "[DONE]":
            if self.plan.api == "invocations":
                raise BadAnswer("[DONE] in an LMI stream")
            if self.tokens is None:
                raise BadAnswer("[DONE] without a usage chunk")
            self.finished = True
            return
        try:
            event = json.loads(data)
        except ValueError as error:
            raise BadAnswer("event is not JSON: %r" % data[:200]) from error
        if "error" in event:
            raise BadAnswer("in-band error: %s" % json.dumps(event["error"])[:300])
        try:
            if self.plan.api == "invocations":
                self._on_lmi_line(event)
            else:
                self._on_openai_chunk(event)
        except (KeyError, IndexError, TypeError) as error:
            raise BadAnswer("missing field %s in %s" % (error, data[:300])) from error

    def _on_lmi_line(self, event):
        if "token" in event:
            self.token_events += 1
        if "generated_text" in event:
            details = event["details"]
            reason = details["finish_reason"]
            if reason not in LMI_FINISH_REASONS:
                raise BadAnswer("finish_reason %r" % reason)
            self.tokens = details["generated_tokens"]
            check_count(self.plan, self.tokens, reason, "length")
            self.finished = True

    def _on_openai_chunk(self, event):
        if event.get("usage"):
            self.tokens = event["usage"]["completion_tokens"]
            check_count(self.plan, self.tokens, self.finish_reason, "length")
        for choice in event.get("choices", []):
            self.token_events += 1
            if choice.get("finish_reason") is not None:
                if choice["finish_reason"] not in OPENAI_FINISH_REASONS:
                    raise BadAnswer("finish_reason %r" % choice["finish_reason"])
                self.finish_reason = choice["finish_reason"]
