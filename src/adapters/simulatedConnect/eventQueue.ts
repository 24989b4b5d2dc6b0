/** One entry of an {@link EventQueue}: due at `at`, ties broken by insertion order. */
interface Entry<T> {
    readonly at: number;
    readonly order: number;
    readonly item: T;
}

/**
 * A min-heap of timed items. Equal times come out in insertion order, which keeps simulations deterministic.
 */
export class EventQueue<T> {
    private readonly heap: Entry<T>[] = [];
    private counter = 0;

    get size(): number {
        return this.heap.length;
    }

    push(at: number, item: T): void {
        this.heap.push({ at, order: this.counter++, item });
        this.up(this.heap.length - 1);
    }

    /** The earliest due time, or null when empty. */
    peekAt(): number | null {
        return this.heap[0]?.at ?? null;
    }

    /** Removes and returns the earliest item if it is due at or before `at`. */
    popDue(at: number): { at: number; item: T } | null {
        const top = this.heap[0];
        if (top === undefined || top.at > at) return null;
        const last = this.heap.pop();
        if (last !== undefined && this.heap.length > 0) {
            this.heap[0] = last;
            this.down(0);
        }
        return { at: top.at, item: top.item };
    }

    private less(i: number, j: number): boolean {
        const a = this.heap[i];
        const b = this.heap[j];
        if (a === undefined || b === undefined) return false;
        return a.at < b.at || (a.at === b.at && a.order < b.order);
    }

    private swap(i: number, j: number): void {
        const a = this.heap[i];
        const b = this.heap[j];
        if (a === undefined || b === undefined) return;
        this.heap[i] = b;
        this.heap[j] = a;
    }

    private up(i: number): void {
        let child = i;
        while (child > 0) {
            const parent = (child - 1) >> 1;
            if (!this.less(child, parent)) return;
            this.swap(child, parent);
            child = parent;
        }
    }

    private down(i: number): void {
        let parent = i;
        for (;;) {
            const left = 2 * parent + 1;
            const right = left + 1;
            let smallest = parent;
            if (left < this.heap.length && this.less(left, smallest)) smallest = left;
            if (right < this.heap.length && this.less(right, smallest)) smallest = right;
            if (smallest === parent) return;
            this.swap(parent, smallest);
            parent = smallest;
        }
    }
}
