// The third script: it owns the Durable Object class both consumer scripts are bound to.
// `TestState` adds what the vector runner needs to seed and read one entry.
import { HookproofState } from "hookproof/durable-object";

export { HookproofState };

export class TestState extends HookproofState {
  seed(key, state, deadline) {
    this.ctx.storage.sql.exec("INSERT OR REPLACE INTO hookproof_acceptance (key, state, deadline) VALUES (?, ?, ?)", key, state, deadline);
  }

  read(key) {
    const row = this.ctx.storage.sql.exec("SELECT state, deadline FROM hookproof_acceptance WHERE key = ?", key).toArray()[0];
    return row ? { state: row.state, deadline: row.deadline } : null;
  }
}

export default {
  fetch() {
    return new Response("the Durable Object script");
  },
};
