"""LoRA adapters for lmi-dist: PEFT loading, device slots, and the per-step batched deltas."""
