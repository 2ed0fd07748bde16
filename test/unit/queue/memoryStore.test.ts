import { memoryStore } from '../../../src/queue/memoryStore';
import { describeEventStore } from './storeContract';

describeEventStore('memoryStore', () => memoryStore());
