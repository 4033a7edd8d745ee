package ai.lmi.server.scheduler;

/**
 * The free blocks in eviction order: taken from the head, returned to the tail, and removable from the middle
 * in O(1) when a prefix-cache hit revives a freed block. A doubly linked list threaded through the blocks.
 */
final class FreeBlockQueue {
    /// sentinels: head.nextFree is the first free block, tail.previousFree the last
    private final KvBlock head = new KvBlock(-1);
    private final KvBlock tail = new KvBlock(-1);
    private int size;

    FreeBlockQueue() {
        head.nextFree = tail;
        tail.previousFree = head;
    }

    int size() {
        return size;
    }

    void append(KvBlock block) {
        block.previousFree = tail.previousFree;
        block.nextFree = tail;
        tail.previousFree.nextFree = block;
        tail.previousFree = block;
        size++;
    }

    KvBlock popFirst() {
        if (size == 0) {
            throw new IllegalStateException("no free KV block");
        }
        KvBlock first = head.nextFree;
        remove(first);
        return first;
    }

    void remove(KvBlock block) {
        block.previousFree.nextFree = block.nextFree;
        block.nextFree.previousFree = block.previousFree;
        block.previousFree = null;
        block.nextFree = null;
        size--;
    }

    /** Block ids from head (next to be reused) to tail. */
    int[] ids() {
        int[] ids = new int[size];
        KvBlock block = head.nextFree;
        for (int i = 0; i < size; i++, block = block.nextFree) {
            ids[i] = block.id;
        }
        return ids;
    }
}
