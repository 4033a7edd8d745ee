/**
 * LoRA adapters: what a PEFT adapter directory holds ({@link ai.lmi.server.adapter.AdapterConfig}), the adapters a
 * model serves ({@link ai.lmi.server.adapter.Adapter}), and the service that loads and unloads them
 * ({@link ai.lmi.server.adapter.AdapterService}), which the engine implements and the HTTP layer calls.
 */
package ai.lmi.server.adapter;
