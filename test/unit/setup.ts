// happy-dom has no IndexedDB: fake-indexeddb provides a spec-complete one in memory.
import 'fake-indexeddb/auto';
