package ai.lmi.server.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ChatTemplateTest {

    /** Mistral-7B-Instruct-v0.1's chat_template, as published in its tokenizer_config.json. */
    private static final String MISTRAL_INSTRUCT = "{{ bos_token }}{% for message in messages %}"
            + "{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}"
            + "{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}"
            + "{% endif %}{% if message['role'] == 'user' %}{{ '[INST] ' + message['content'] + ' [/INST]' }}"
            + "{% elif message['role'] == 'assistant' %}{{ message['content'] + eos_token + ' ' }}"
            + "{% else %}{{ raise_exception('Only user and assistant roles are supported!') }}{% endif %}"
            + "{% endfor %}";

    /** Llama-2-chat's chat_template: a system prompt folded into the first turn, slices, str.strip(). */
    private static final String LLAMA_2_CHAT = "{% if messages[0]['role'] == 'system' %}"
            + "{% set loop_messages = messages[1:] %}{% set system_message = messages[0]['content'] %}"
            + "{% else %}{% set loop_messages = messages %}{% set system_message = false %}{% endif %}"
            + "{% for message in loop_messages %}"
            + "{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}"
            + "{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}"
            + "{% endif %}{% if loop.index0 == 0 and system_message != false %}"
            + "{% set content = '<<SYS>>\\n' + system_message + '\\n<</SYS>>\\n\\n' + message['content'] %}"
            + "{% else %}{% set content = message['content'] %}{% endif %}"
            + "{% if message['role'] == 'user' %}{{ bos_token + '[INST] ' + content.strip() + ' [/INST]' }}"
            + "{% elif message['role'] == 'assistant' %}{{ ' '  + content.strip() + ' ' + eos_token }}"
            + "{% endif %}{% endfor %}";

    /** Qwen2-Instruct's chat_template (ChatML with a default system turn). */
    private static final String QWEN_2 = "{% for message in messages %}"
            + "{% if loop.first and messages[0]['role'] != 'system' %}"
            + "{{ '<|im_start|>system\\nYou are a helpful assistant.<|im_end|>\\n' }}{% endif %}"
            + "{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}"
            + "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

    private static final List<ChatMessage> CONVERSATION = List.of(
            new ChatMessage("user", "Hello"),
            new ChatMessage("assistant", "Hi"),
            new ChatMessage("user", "How are you?"));

    @TempDir
    Path dir;

    @Test
    void rendersMistralInstruct() throws IOException {
        try (Tokenizer tokenizer = withTemplate(MISTRAL_INSTRUCT)) {
            String prompt = tokenizer.chatTemplate().render(CONVERSATION, true);
            assertEquals("<s>[INST] Hello [/INST]Hi</s> [INST] How are you? [/INST]", prompt);
            // The template writes BOS itself, so the prompt is encoded without adding another.
            int[] ids = tokenizer.encode(prompt, false);
            assertEquals(1, ids[0]);
            assertEquals(1, Arrays.stream(ids).filter(id -> id == 1).count());
            assertEquals(1, Arrays.stream(ids).filter(id -> id == 2).count());
        }
    }

    @Test
    void rendersLlama2ChatWithASystemPrompt() throws IOException {
        try (Tokenizer tokenizer = withTemplate(LLAMA_2_CHAT)) {
            List<ChatMessage> messages = List.of(
                    new ChatMessage("system", "Be brief."),
                    new ChatMessage("user", " Hello "),
                    new ChatMessage("assistant", "Hi"),
                    new ChatMessage("user", "How are you?"));
            // strip() trims the whole first turn, so the space inside, after the system block, stays.
            assertEquals("<s>[INST] <<SYS>>\nBe brief.\n<</SYS>>\n\n Hello [/INST] Hi </s>"
                            + "<s>[INST] How are you? [/INST]",
                    tokenizer.chatTemplate().render(messages, true));
        }
    }

    @Test
    void addsTheGenerationPromptOnlyWhenAsked() throws IOException {
        try (Tokenizer tokenizer = withTemplate(QWEN_2)) {
            List<ChatMessage> messages = List.of(new ChatMessage("user", "Hello"));
            String system = "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n";
            assertEquals(system + "<|im_start|>user\nHello<|im_end|>\n<|im_start|>assistant\n",
                    tokenizer.chatTemplate().render(messages, true));
            assertEquals(system + "<|im_start|>user\nHello<|im_end|>\n",
                    tokenizer.chatTemplate().render(messages, false));
        }
    }

    @Test
    void raiseExceptionRejectsTheMessagesWithTheTemplatesWords() throws IOException {
        try (Tokenizer tokenizer = withTemplate(MISTRAL_INSTRUCT)) {
            List<ChatMessage> twoUsers = List.of(new ChatMessage("user", "a"), new ChatMessage("user", "b"));
            ChatTemplateException error = assertThrows(ChatTemplateException.class,
                    () -> tokenizer.chatTemplate().render(twoUsers, true));
            assertEquals("Conversation roles must alternate user/assistant/user/assistant/...",
                    error.getMessage());
            ChatTemplateException system = assertThrows(ChatTemplateException.class,
                    () -> tokenizer.chatTemplate().render(
                            List.of(new ChatMessage("user", "a"), new ChatMessage("system", "x")), true));
            assertEquals("Only user and assistant roles are supported!", system.getMessage());
        }
    }

    @Test
    void templateSyntaxInAMessageIsTextNotCode() throws IOException {
        try (Tokenizer tokenizer = withTemplate(MISTRAL_INSTRUCT)) {
            String content = "{{ 7 * 7 }} {% if %} {{ raise_exception('x') }}";
            String prompt = tokenizer.chatTemplate().render(List.of(new ChatMessage("user", content)), true);
            assertEquals("<s>[INST] " + content + " [/INST]", prompt);
        }
    }

    @Test
    void aModelWithoutTemplateRefusesChat() throws IOException {
        try (Tokenizer tokenizer = Tokenizer.load(TestModels.tinyLlama())) {
            assertFalse(tokenizer.chatTemplate().isPresent());
            ChatTemplateException error = assertThrows(ChatTemplateException.class,
                    () -> tokenizer.chatTemplate().render(CONVERSATION, true));
            assertEquals("model tiny-llama has no chat_template in tokenizer_config.json; chat requests need one",
                    error.getMessage());
        }
    }

    @Test
    void blockTagsTakeTheirLineWithThemAsInTransformers() throws IOException {
        String template =
                "{% for message in messages %}\n  {{ message.role }}: {{ message.content }}\n{% endfor %}\n";
        try (Tokenizer tokenizer = withTemplate(template)) {
            assertEquals("  user: Hello\n  assistant: Hi\n  user: How are you?\n",
                    tokenizer.chatTemplate().render(CONVERSATION, false));
        }
    }

    @Test
    void pythonStringMethodsWork() throws IOException {
        String template = "{% set c = messages[0].content %}"
                + "{{ c.strip().upper() }}|{{ c.lstrip() }}|{{ c.rstrip('! ') }}|{{ c.startswith('  hi') }}"
                + "|{{ c.endswith(['x', '! ']) }}|{{ c.split('|')[-1].strip() }}|{{ c.split() | length }}"
                + "|{{ c.split('|', 1)[0] }}|{{ 'a title'.title() }}|{{ 'ABC'.lower() }}"
                + "|{{ c.replace('hi', 'yo') }}";
        try (Tokenizer tokenizer = withTemplate(template)) {
            List<ChatMessage> messages = List.of(new ChatMessage("user", "  hi | there! "));
            assertEquals("HI | THERE!|hi | there! |  hi | there|true|true|there!|3|  hi |A Title|abc|  yo | there! ",
                    tokenizer.chatTemplate().render(messages, false));
        }
    }

    @Test
    void templateErrorsNameTheModel() throws IOException {
        try (Tokenizer tokenizer = withTemplate("{% for message in messages %}{{ message.content }")) {
            ChatTemplateException error = assertThrows(ChatTemplateException.class,
                    () -> tokenizer.chatTemplate().render(CONVERSATION, true));
            assertTrue(error.getMessage().startsWith("chat_template of model test-model failed: "),
                    error.getMessage());
        }
    }

    @Test
    void readsANamedDefaultTemplateAndTheJinjaFile() throws IOException {
        Map<String, Object> named = Map.of("chat_template", List.of(
                Map.of("name", "tool_use", "template", "tools"),
                Map.of("name", "default", "template", "{{ messages[0].content }}")));
        String config = new ObjectMapper().writeValueAsString(named);
        try (Tokenizer tokenizer = Tokenizer.load(TestModels.withTokenizerConfig(dir.resolve("named"), config))) {
            assertEquals("Hello", tokenizer.chatTemplate().render(CONVERSATION, false));
        }
        Path model = TestModels.withTokenizerConfig(dir.resolve("file"), "{}");
        Files.writeString(model.resolve("chat_template.jinja"), "{{ messages | length }} turns");
        try (Tokenizer tokenizer = Tokenizer.load(model)) {
            assertEquals("3 turns", tokenizer.chatTemplate().render(CONVERSATION, false));
        }
    }

    @Test
    void theDemoModelsTemplateRendersAndEncodes() throws IOException {
        // python-worker/lmi_worker/demo_model.py's template, which ./lmi serve uses without --model.
        String demo = "{% for message in messages %}"
                + "{{ '<|' + message['role'] + '|>\n' + message['content'] + '</s>\n' }}"
                + "{% endfor %}{% if add_generation_prompt %}{{ '<|assistant|>\n' }}{% endif %}";
        try (Tokenizer tokenizer = withTemplate(demo)) {
            String prompt = tokenizer.chatTemplate().render(List.of(new ChatMessage("user", "Hi")), true);
            assertEquals("<|user|>\nHi</s>\n<|assistant|>\n", prompt);
            assertEquals(1, Arrays.stream(tokenizer.encode(prompt, false)).filter(id -> id == 2).count());
        }
    }

    private Tokenizer withTemplate(String template) throws IOException {
        Map<String, Object> config = Map.of(
                "add_bos_token", true, "bos_token", "<s>", "eos_token", "</s>", "chat_template", template);
        return Tokenizer.load(TestModels.withTokenizerConfig(dir, new ObjectMapper().writeValueAsString(config)));
    }
}
