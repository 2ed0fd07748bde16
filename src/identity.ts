import { load, save } from './lib/storage';
import { uuid } from './lib/uuid';

/** The visitor's persistent anonymous id, made on first use. */
export function anonymousId(): string {
  let id = load('aid');
  if (!id) save('aid', (id = uuid()));
  return id;
}

/** The identified user's id, if `identify()` was called on this device. */
export function userId(): string | undefined {
  return load('uid');
}

/** Remember (or with undefined, forget) the user id. */
export function setUserId(id: string | undefined): void {
  save('uid', id);
}

/** Forget the visitor: the next message gets a new anonymous id and no user id. */
export function resetIdentity(): void {
  save('aid', undefined);
  save('uid', undefined);
}
