"""IPC between the parent (the Java daemon) and a worker: a Unix socket for control, shared-memory rings for steps."""

# One number for the whole protocol (socket frames, shm layout, message layouts); see docs/ipc-protocol.md.
PROTOCOL_VERSION = 4
