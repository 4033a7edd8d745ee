package ai.lmi.server.api;

import ai.lmi.server.adapter.Adapter;
import ai.lmi.server.model.ModelDescription;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/** LoRA adapters as the management API (LMI's shapes) and {@code /v1/models} (vLLM's) show them. */
public final class AdapterJson {

    private AdapterJson() {}

    /** {@code GET /models/{name}/adapters}: {@code {"adapters": [...]}}. */
    public static ObjectNode managementList(List<Adapter> adapters) {
        ObjectNode list = Json.object();
        ArrayNode entries = list.putArray("adapters");
        adapters.forEach(adapter -> entries.add(managementEntry(adapter)));
        return list;
    }

    /** {@code GET /models/{name}/adapters/{adapter}}: LMI answers a list holding the one adapter. */
    public static ArrayNode describe(Adapter adapter) {
        return Json.array().add(managementEntry(adapter));
    }

    /** LMI's {@code {"status": "Adapter a1 registered"}}, for each change. */
    public static ObjectNode status(String adapterName, String change) {
        ObjectNode status = Json.object();
        status.put("status", "Adapter " + adapterName + " " + change);
        return status;
    }

    /** One adapter in {@code GET /v1/models}, after the base model, as vLLM lists it. */
    public static ObjectNode openAiModel(Adapter adapter, ModelDescription base) {
        ObjectNode entry = Json.object();
        entry.put("id", adapter.name());
        entry.put("object", "model");
        entry.put("created", adapter.createdEpochSeconds());
        entry.put("owned_by", "lmi");
        entry.put("root", adapter.source().toString());
        entry.put("parent", base.name());
        ModelJson.putMaxModelLen(entry, base);
        return entry;
    }

    // LMI's name and src, then what the adapter is.
    private static ObjectNode managementEntry(Adapter adapter) {
        ObjectNode entry = Json.object();
        entry.put("name", adapter.name());
        entry.put("src", adapter.source().toString());
        entry.put("id", adapter.id());
        entry.put("rank", adapter.config().rank());
        entry.put("alpha", adapter.config().alpha());
        ArrayNode modules = entry.putArray("target_modules");
        adapter.config().targetModules().forEach(modules::add);
        entry.put("use_rslora", adapter.config().useRslora());
        entry.put("base_model", adapter.config().baseModel());
        entry.put("created", adapter.createdEpochSeconds());
        return entry;
    }
}
