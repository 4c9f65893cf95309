/** A FIFO queue: an array read from a moving head, compacted when the read part dominates. O(1) amortised. */
export class FifoQueue<T> {
  private items: T[] = [];
  private head = 0;

  push(item: T): void {
    this.items.push(item);
  }

  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const item = this.items[this.head];
    this.items[this.head] = undefined as T;
    this.head++;
    if (this.head >= 1024 && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }

  get length(): number {
    return this.items.length - this.head;
  }

  forEach(visit: (item: T) => void): void {
    for (let index = this.head; index < this.items.length; index++) visit(this.items[index]!);
  }
}
