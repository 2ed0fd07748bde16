import type { Context, Message } from './types';
import { warn } from './lib/warn';
import { utf8Length } from './lib/utf8Length';

/** A single message larger than this (UTF-8 JSON) is trimmed, largest properties first, or refused. */
export const MAX_EVENT_BYTES = 32_768;

/** A DOM node or a window: huge, cyclic, and may hold what a user typed. */
const isDom = (value: object) =>
  (typeof Node == 'function' && value instanceof Node) || (value as Window).window == value;

/**
 * A `JSON.stringify` replacer that drops what JSON cannot hold faithfully, with one warning per
 * problem naming the key: functions, symbols, BigInt (which would make stringify throw), DOM nodes
 * and windows (huge, cyclic, and may hold what a user typed), and cycles. A value seen twice
 * without being its own ancestor is kept: only a real cycle is cut. Tracking ancestors through
 * `this` (the holder of the key being written) is how json-stringify-safe does it. `root` counts as
 * an ancestor throughout: the object a copy was made of, so a cycle back to it is cut too.
 */
export function jsonSafe(root?: unknown): (this: unknown, key: string, value: unknown) => unknown {
  const stack: unknown[] = [root];
  return function (key, value) {
    // An array's toJSON is the page's, never ours: Prototype.js 1.6 defines Array.prototype.toJSON to
    // return the array's JSON text, which would send it as a string. The replacer sees the holder
    // (`this`), so it writes the array itself instead (https://tc39.es/ecma262/#sec-serializejsonproperty).
    const original = (this as Record<string, unknown>)[key];
    if (Array.isArray(original)) value = original;
    const type = typeof value;
    // BigInt makes JSON.stringify throw: https://tc39.es/ecma262/#sec-serializejsonproperty
    let reason = type == 'function' || type == 'symbol' || type == 'bigint' ? 'a ' + type : '';
    if (value && type == 'object') {
      if (isDom(value)) reason = 'a DOM node';
      // Keep only the ancestors of the value being written.
      const holderIndex = stack.indexOf(this);
      if (holderIndex < 0) stack.push(this);
      else stack.length = holderIndex + 1;
      if (stack.includes(value)) reason = 'a cycle';
    }
    if (!reason) return value;
    warn(key + ' dropped: it is ' + reason);
  };
}

/** Types JSON holds as they are. */
const PRIMITIVE = /^(string|number|boolean|undefined)$/;

/**
 * Serialise a message in two steps. Now: its properties (or traits) are copied, so what the caller
 * changes in that object afterwards is not sent. When the returned function is called (the queue
 * does it as it writes: see eventQueue's `_add`): the message is serialised, trimmed under
 * `MAX_EVENT_BYTES` by dropping its largest properties or traits (each named in a warning); objects
 * nested in the properties are read then. A getter or toJSON that throws loses that message's
 * properties, with a warning, not the message. The function returns the JSON and its UTF-8 size, or
 * undefined when even the bare message is too large (a huge URL or title): that one is refused with
 * a warning. `plain` says that everything but the properties (or traits) was built by engagekit.
 */
export function serialiser(message: Message, plain?: boolean): () => [string, number] | undefined {
  const field = message.type == 'identify' ? 'traits' : 'properties';
  const given = message[field];
  // The copy of the properties (or traits) that is sent and trimmed.
  let bag: Record<string, unknown>;
  const dropAll = (error: unknown) => {
    warn(field + ' dropped: ' + error);
    message[field] = bag = {};
  };
  try {
    // A copy, so trimming never touches the caller's object. Copying runs getters, and
    // stringifying runs toJSON: either may throw, which costs the properties, not the event.
    message[field] = bag = { ...given };
  } catch (error) {
    dropAll(error);
  }
  return () => {
    let json: string;
    try {
      // `plain`: the rest of the message is ours (no beforeSend touched it). Properties that are all
      // strings, numbers, booleans or null then need no checking replacer, which was the largest
      // part of a track() call.
      json = JSON.stringify(
        message,
        plain && Object.values(bag).every((value) => value === null || PRIMITIVE.test(typeof value))
          ? undefined
          : jsonSafe(given),
      );
    } catch (error) {
      dropAll(error);
      json = JSON.stringify(message);
    }
    for (;;) {
      const bytes = utf8Length(json);
      if (bytes <= MAX_EVENT_BYTES) return [json, bytes];
      let largest = '';
      let largestBytes = 0;
      for (const key in bag) {
        // In bytes, like the limit: the longest text is not the largest when it is not ASCII.
        const keyBytes = utf8Length(JSON.stringify(bag[key], jsonSafe(given)) || '');
        if (keyBytes > largestBytes) {
          largest = key;
          largestBytes = keyBytes;
        }
      }
      if (!largest) {
        warn(`a ${message.type} of ${bytes} bytes is over ${MAX_EVENT_BYTES}: refused`);
        return;
      }
      warn(`${largest} dropped: the event would be over ${MAX_EVENT_BYTES} bytes`);
      delete bag[largest];
      json = JSON.stringify(message, jsonSafe(given));
    }
  };
}

/**
 * Properties or traits as given when they are an object (not an array, a DOM node or a window);
 * anything else is dropped with a warning.
 */
export function asObject(value: unknown, name: string): Record<string, unknown> | undefined {
  if (value == null || (typeof value == 'object' && !Array.isArray(value) && !isDom(value)))
    return value as Record<string, unknown>;
  warn(name + ' dropped: not an object');
}

/** Assemble a message; `fields` holds type, event/name and properties/traits. */
export function buildMessage(
  fields: Pick<Message, 'type'> & Partial<Message>,
  now: number,
  id: string,
  anonymousId: string,
  userId: string | undefined,
  context: Context,
): Message {
  const message = { ...fields, messageId: id, timestamp: new Date(now).toISOString(), anonymousId, context } as Message;
  if (userId) message.userId = userId;
  return message;
}
