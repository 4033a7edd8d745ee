package ai.lmi.server.api;

import ai.lmi.server.adapter.Adapter;
import ai.lmi.server.model.ModelDescription;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/** The served model as the model-listing endpoints show it. */
public final class ModelJson {

    private ModelJson() {}

    /** {@code GET /v1/models}: OpenAI's model list, with vLLM's {@code max_model_len}, then the adapters as vLLM's. */
    public static ObjectNode openAiList(ModelDescription model, List<Adapter> adapters) {
        ObjectNode list = Json.object();
        list.put("object", "list");
        ArrayNode data = list.putArray("data").add(openAiModel(model));
        adapters.forEach(adapter -> data.add(AdapterJson.openAiModel(adapter, model)));
        return list;
    }

    /** {@code GET /v1/models/{id}}: one model, OpenAI style. */
    public static ObjectNode openAiModel(ModelDescription model) {
        ObjectNode entry = Json.object();
        entry.put("id", model.name());
        entry.put("object", "model");
        entry.put("created", model.createdEpochSeconds());
        entry.put("owned_by", "lmi");
        entry.put("root", model.modelDir());
        entry.putNull("parent");
        putMaxModelLen(entry, model);
        return entry;
    }

    /** max_model_len, null while the worker is still loading (it is known once the KV cache is sized). */
    static void putMaxModelLen(ObjectNode entry, ModelDescription model) {
        if (model.maxModelLen() > 0) {
            entry.put("max_model_len", model.maxModelLen());
        } else {
            entry.putNull("max_model_len");
        }
    }

    /** {@code GET /models}: the management API's list, as DJL Serving shapes it. */
    public static ObjectNode managementList(ModelDescription model) {
        ObjectNode list = Json.object();
        ObjectNode entry = list.putArray("models").addObject();
        entry.put("modelName", model.name());
        entry.put("modelUrl", model.modelDir());
        return list;
    }

    /** {@code GET /models/{name}}: the model, its status and its effective configuration. */
    public static ObjectNode describe(ModelDescription model, boolean ready) {
        ObjectNode description = Json.object();
        description.put("modelName", model.name());
        description.put("modelUrl", model.modelDir());
        description.put("status", ready ? "Healthy" : "Unavailable");
        description.put("maxModelLen", model.maxModelLen());
        description.put("created", model.createdEpochSeconds());
        description.put("tensor_parallel_degree", model.tensorParallelDegree());
        if (model.memory() != null) {
            ObjectNode memory = description.putObject("memory");
            memory.put("weights_bytes", model.memory().weightBytes());
            memory.put("kv_cache_bytes", model.memory().kvCacheBytes());
            memory.put("kv_cache_tokens", model.memory().kvCacheTokens());
            memory.put("quantization", model.memory().quantization());
        }
        description.set("config", Json.MAPPER.valueToTree(model.effectiveConfig()));
        return description;
    }
}
