import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * The built-in broker's users: one per event stream, allowed to read exactly one queue (the
 * broker counterpart of RabbitMQ permissions configure '^$', write '^$', read '^<queue>$').
 * Passwords are kept as SHA-256 digests and compared in constant time.
 */
export class UserRegistry {
  readonly #users = new Map<string, { digest: Buffer; readQueue: string }>();

  put(name: string, password: string, readQueue: string): void {
    this.#users.set(name, { digest: digest(password), readQueue });
  }

  delete(name: string): boolean {
    return this.#users.delete(name);
  }

  authenticate(name: string, password: string): boolean {
    const u = this.#users.get(name);
    const given = digest(password);
    // compare against something even for an unknown user: no timing hint of which names exist
    return timingSafeEqual(u?.digest ?? Buffer.alloc(32), given) && u !== undefined;
  }

  mayRead(name: string, queue: string): boolean {
    return this.#users.get(name)?.readQueue === queue;
  }
}

function digest(password: string): Buffer {
  return createHash('sha256').update(password, 'utf8').digest();
}
