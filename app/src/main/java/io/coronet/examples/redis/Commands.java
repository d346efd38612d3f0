package io.coronet.examples.redis;

import java.io.IOException;
import java.util.List;

/**
 * The commands of the example, each as Redis 7 answers it (same replies, same error texts;
 * the tests run them against redis-server too). Strings are the only type, so WRONGTYPE never
 * arises. Time is epoch milliseconds read once per command.
 */
final class Commands {
    private static final List<String> READ = List.of("readonly", "fast");
    private static final List<String> WRITE = List.of("write", "denyoom");
    private static final List<String> WRITE_FAST = List.of("write", "denyoom", "fast");

    private final Store store;
    private final ServerStats stats;

    Commands(Store store, ServerStats stats) {
        this.store = store;
        this.stats = stats;
    }

    /** The table of every command here. */
    CommandTable table() {
        CommandTable t = new CommandTable();
        t.add(new CommandTable.Spec("ping", -1, List.of("fast"), 0, 0, 0, this::ping));
        t.add(new CommandTable.Spec("echo", 2, List.of("fast"), 0, 0, 0, this::echo));
        t.add(new CommandTable.Spec("get", 2, READ, 1, 1, 1, this::get));
        t.add(new CommandTable.Spec("set", -3, WRITE, 1, 1, 1, this::set));
        t.add(new CommandTable.Spec("del", -2, List.of("write"), 1, -1, 1, this::del));
        t.add(new CommandTable.Spec("exists", -2, READ, 1, -1, 1, this::exists));
        t.add(new CommandTable.Spec("incr", 2, WRITE_FAST, 1, 1, 1, (s, c, o) -> incrBy(c, 1, o)));
        t.add(new CommandTable.Spec("decr", 2, WRITE_FAST, 1, 1, 1, (s, c, o) -> incrBy(c, -1, o)));
        t.add(new CommandTable.Spec("incrby", 3, WRITE_FAST, 1, 1, 1, (s, c, o) -> incrBy(c, Integers.parse(c.arg(2)), o)));
        t.add(new CommandTable.Spec("decrby", 3, WRITE_FAST, 1, 1, 1, this::decrBy));
        t.add(new CommandTable.Spec("mget", -2, READ, 1, -1, 1, this::mget));
        t.add(new CommandTable.Spec("mset", -3, WRITE, 1, -1, 2, this::mset));
        t.add(new CommandTable.Spec("expire", -3, List.of("write", "fast"), 1, 1, 1, (s, c, o) -> expire(c, 1000, "expire", o)));
        t.add(new CommandTable.Spec("pexpire", -3, List.of("write", "fast"), 1, 1, 1, (s, c, o) -> expire(c, 1, "pexpire", o)));
        t.add(new CommandTable.Spec("ttl", 2, READ, 1, 1, 1, (s, c, o) -> ttl(c, true, o)));
        t.add(new CommandTable.Spec("pttl", 2, READ, 1, 1, 1, (s, c, o) -> ttl(c, false, o)));
        t.add(new CommandTable.Spec("dbsize", 1, READ, 0, 0, 0, (s, c, o) -> o.integer(store.size())));
        t.add(new CommandTable.Spec("flushall", -1, List.of("write"), 0, 0, 0, this::flushAll));
        t.add(new CommandTable.Spec("select", 2, List.of("loading", "stale", "fast"), 0, 0, 0, this::select));
        t.add(new CommandTable.Spec("info", -1, List.of("loading", "stale"), 0, 0, 0, this::info));
        t.add(new CommandTable.Spec("command", -1, List.of("loading", "stale"), 0, 0, 0, (s, c, o) -> command(t, s, c, o)));
        t.add(new CommandTable.Spec("client", -2, List.of("loading", "stale"), 0, 0, 0, this::client));
        t.add(new CommandTable.Spec("config", -2, List.of("admin", "loading", "stale"), 0, 0, 0, this::config));
        t.add(new CommandTable.Spec("quit", -1, List.of("fast"), 0, 0, 0, (s, c, o) -> {
            s.closeAfterReply();
            o.ok();
        }));
        return t;
    }

    // ---- connection ------------------------------------------------------------------------

    private void ping(Session s, Command c, Replies out) throws IOException {
        if (c.argc() > 2) {
            throw new CommandError(CommandTable.wrongArity("ping"));
        }
        if (c.argc() == 1) {
            out.pong();
        } else {
            out.bulk(c.arg(1));
        }
    }

    private void echo(Session s, Command c, Replies out) throws IOException {
        out.bulk(c.arg(1));
    }

    private void select(Session s, Command c, Replies out) throws IOException {
        long db = Integers.parse(c.arg(1));
        if (db < Integer.MIN_VALUE || db > Integer.MAX_VALUE) {
            throw CommandError.NOT_INTEGER;
        }
        if (db != 0) {
            throw new CommandError("ERR DB index is out of range"); // one database: 0
        }
        out.ok();
    }

    private void client(Session s, Command c, Replies out) throws IOException {
        if (c.is(1, "setname")) {
            if (c.argc() != 3) {
                throw new CommandError(CommandTable.wrongArity("client|setname"));
            }
            byte[] name = c.arg(2);
            for (byte b : name) {
                if (b < '!' || b > '~') { // Redis allows printable ASCII without spaces
                    throw new CommandError("ERR Client names cannot contain spaces, newlines or special characters.");
                }
            }
            s.name(name.length == 0 ? null : name);
            out.ok();
        } else if (c.is(1, "getname")) {
            if (c.argc() != 2) {
                throw new CommandError(CommandTable.wrongArity("client|getname"));
            }
            out.bulk(s.name());
        } else if (c.is(1, "id")) {
            if (c.argc() != 2) {
                throw new CommandError(CommandTable.wrongArity("client|id"));
            }
            out.integer(s.id());
        } else {
            throw new CommandError(CommandTable.unknownSubcommand(c));
        }
    }

    /** CONFIG GET for what redis-benchmark asks (save, appendonly); nothing else is configurable. */
    private void config(Session s, Command c, Replies out) throws IOException {
        if (!c.is(1, "get")) {
            throw new CommandError(CommandTable.unknownSubcommand(c));
        }
        if (c.argc() < 3) {
            throw new CommandError(CommandTable.wrongArity("config|get"));
        }
        int pairs = 0;
        for (int i = 2; i < c.argc(); i++) {
            pairs += c.is(i, "save") || c.is(i, "appendonly") ? 1 : 0;
        }
        out.arrayHeader(pairs * 2);
        for (int i = 2; i < c.argc(); i++) {
            if (c.is(i, "save")) {
                out.bulk("save");
                out.bulk("");
            } else if (c.is(i, "appendonly")) {
                out.bulk("appendonly");
                out.bulk("no");
            }
        }
    }

    private void info(Session s, Command c, Replies out) throws IOException {
        StringBuilder b = new StringBuilder();
        b.append("# Server\r\n")
                .append("redis_version:7.0.0\r\n")
                .append("coronet_example:mini-redis\r\n")
                .append("redis_mode:standalone\r\n")
                .append("arch_bits:64\r\n")
                .append("process_id:").append(ProcessHandle.current().pid()).append("\r\n")
                .append("tcp_port:").append(stats.port()).append("\r\n")
                .append("uptime_in_seconds:").append(stats.uptimeSeconds()).append("\r\n")
                .append("event_loops:").append(stats.loops()).append("\r\n")
                .append("\r\n# Clients\r\n")
                .append("connected_clients:").append(stats.connectedClients()).append("\r\n")
                .append("\r\n# Keyspace\r\n");
        int keys = store.size();
        if (keys > 0) {
            b.append("db0:keys=").append(keys).append(",expires=").append(store.expiringCount()).append(",avg_ttl=0\r\n");
        }
        out.bulk(b.toString());
    }

    /** COMMAND, COMMAND COUNT, COMMAND INFO name..., COMMAND DOCS (empty: no docs here). */
    void command(CommandTable table, Session s, Command c, Replies out) throws IOException {
        if (c.argc() == 1) {
            out.arrayHeader(table.specs().size());
            for (CommandTable.Spec spec : table.specs()) {
                describe(spec, out);
            }
        } else if (c.is(1, "count")) {
            out.integer(table.specs().size());
        } else if (c.is(1, "docs")) {
            out.emptyArray();
        } else if (c.is(1, "info")) {
            out.arrayHeader(c.argc() - 2);
            for (int i = 2; i < c.argc(); i++) {
                CommandTable.Spec spec = table.lookup(c.arg(i));
                if (spec == null) {
                    out.nil();
                } else {
                    describe(spec, out);
                }
            }
        } else {
            throw new CommandError(CommandTable.unknownSubcommand(c));
        }
    }

    private static void describe(CommandTable.Spec spec, Replies out) throws IOException {
        out.arrayHeader(6);
        out.bulk(spec.name());
        out.integer(spec.arity());
        out.arrayHeader(spec.flags().size());
        for (String f : spec.flags()) {
            out.simple(f);
        }
        out.integer(spec.firstKey());
        out.integer(spec.lastKey());
        out.integer(spec.step());
    }

    // ---- strings -----------------------------------------------------------------------------

    private void get(Session s, Command c, Replies out) throws IOException {
        Entry e = store.get(new Key(c.arg(1)), System.currentTimeMillis());
        out.bulk(e == null ? null : e.value());
    }

    /** SET key value [NX | XX] [GET] [EX s | PX ms | EXAT s | PXAT ms | KEEPTTL]. */
    private void set(Session s, Command c, Replies out) throws IOException {
        Key key = new Key(c.arg(1));
        byte[] value = c.arg(2);
        if (c.argc() == 3) { // the common case: no options, no read of the old entry
            store.put(key, new Entry(value, Entry.NO_EXPIRY));
            out.ok();
            return;
        }
        boolean nx = false, xx = false, get = false, keepTtl = false;
        String unit = null; // "ex", "px", "exat", "pxat"
        byte[] when = null;
        for (int i = 3; i < c.argc(); i++) {
            boolean hasNext = i + 1 < c.argc();
            if (c.is(i, "nx") && !xx) {
                nx = true;
            } else if (c.is(i, "xx") && !nx) {
                xx = true;
            } else if (c.is(i, "get")) {
                get = true;
            } else if (c.is(i, "keepttl") && unit == null) {
                keepTtl = true;
            } else if (unit == null && !keepTtl && hasNext
                    && (c.is(i, "ex") || c.is(i, "px") || c.is(i, "exat") || c.is(i, "pxat"))) {
                unit = c.text(i).toLowerCase(java.util.Locale.ROOT);
                when = c.arg(++i);
            } else {
                throw CommandError.SYNTAX;
            }
        }
        long now = System.currentTimeMillis();
        long expireAt = Entry.NO_EXPIRY;
        if (unit != null) {
            long n = Integers.parse(when);
            boolean seconds = unit.startsWith("ex");
            if (n <= 0 || (seconds && n > Long.MAX_VALUE / 1000)) {
                throw new CommandError("ERR invalid expire time in 'set' command");
            }
            long ms = seconds ? n * 1000 : n;
            if (unit.endsWith("at")) {
                expireAt = ms;
            } else {
                if (ms > Long.MAX_VALUE - now) {
                    throw new CommandError("ERR invalid expire time in 'set' command");
                }
                expireAt = now + ms;
            }
        }
        Entry[] previous = get ? new Entry[1] : null;
        boolean stored;
        if (expireAt != Entry.NO_EXPIRY && expireAt <= now) { // EXAT/PXAT in the past: Redis deletes
            Entry old = store.get(key, now);
            if (previous != null) {
                previous[0] = old;
            }
            stored = !((nx && old != null) || (xx && old == null));
            if (stored) {
                store.delete(key, now);
            }
        } else {
            stored = store.set(key, value, expireAt, nx, xx, keepTtl, now, previous);
        }
        if (get) {
            out.bulk(previous[0] == null ? null : previous[0].value());
        } else if (stored) {
            out.ok();
        } else {
            out.nil();
        }
    }

    private void del(Session s, Command c, Replies out) throws IOException {
        long now = System.currentTimeMillis();
        int n = 0;
        for (int i = 1; i < c.argc(); i++) {
            n += store.delete(new Key(c.arg(i)), now) ? 1 : 0;
        }
        out.integer(n);
    }

    private void exists(Session s, Command c, Replies out) throws IOException {
        long now = System.currentTimeMillis();
        int n = 0;
        for (int i = 1; i < c.argc(); i++) { // a key named twice counts twice, as in Redis
            n += store.exists(new Key(c.arg(i)), now) ? 1 : 0;
        }
        out.integer(n);
    }

    private void incrBy(Command c, long delta, Replies out) throws IOException {
        Entry e = store.incrBy(new Key(c.arg(1)), delta, System.currentTimeMillis());
        out.integerDigits(e.value());
    }

    private void decrBy(Session s, Command c, Replies out) throws IOException {
        long delta = Integers.parse(c.arg(2));
        if (delta == Long.MIN_VALUE) {
            throw new CommandError("ERR decrement would overflow");
        }
        incrBy(c, -delta, out);
    }

    private void mget(Session s, Command c, Replies out) throws IOException {
        long now = System.currentTimeMillis();
        out.arrayHeader(c.argc() - 1);
        for (int i = 1; i < c.argc(); i++) {
            Entry e = store.get(new Key(c.arg(i)), now);
            out.bulk(e == null ? null : e.value());
        }
    }

    private void mset(Session s, Command c, Replies out) throws IOException {
        if (c.argc() % 2 == 0) {
            throw new CommandError(CommandTable.wrongArity("mset"));
        }
        for (int i = 1; i < c.argc(); i += 2) {
            store.put(new Key(c.arg(i)), new Entry(c.arg(i + 1), Entry.NO_EXPIRY));
        }
        out.ok();
    }

    /** EXPIRE/PEXPIRE key n [NX | XX | GT | LT]; {@code unitMillis} 1000 or 1. */
    private void expire(Command c, long unitMillis, String name, Replies out) throws IOException {
        boolean nx = false, xx = false, gt = false, lt = false;
        for (int i = 3; i < c.argc(); i++) {
            if (c.is(i, "nx")) {
                nx = true;
            } else if (c.is(i, "xx")) {
                xx = true;
            } else if (c.is(i, "gt")) {
                gt = true;
            } else if (c.is(i, "lt")) {
                lt = true;
            } else {
                throw new CommandError("ERR Unsupported option " + c.text(i));
            }
        }
        if (nx && (xx || gt || lt)) {
            throw new CommandError("ERR NX and XX, GT or LT options at the same time are not compatible");
        }
        if (gt && lt) {
            throw new CommandError("ERR GT and LT options at the same time are not compatible");
        }
        long n = Integers.parse(c.arg(2));
        long now = System.currentTimeMillis();
        if (n > Long.MAX_VALUE / unitMillis || n < Long.MIN_VALUE / unitMillis) {
            throw new CommandError("ERR invalid expire time in '" + name + "' command");
        }
        long ms = n * unitMillis;
        if ((ms > 0 && ms > Long.MAX_VALUE - now) || (ms < 0 && ms < Long.MIN_VALUE + now)) {
            throw new CommandError("ERR invalid expire time in '" + name + "' command");
        }
        long at = Math.max(1, now + ms); // in the past deletes the key; never NO_EXPIRY
        out.integer(store.expire(new Key(c.arg(1)), at, new Store.ExpireCondition(nx, xx, gt, lt), now) ? 1 : 0);
    }

    private void ttl(Command c, boolean seconds, Replies out) throws IOException {
        long now = System.currentTimeMillis();
        Entry e = store.get(new Key(c.arg(1)), now);
        if (e == null) {
            out.integer(-2);
        } else if (!e.hasExpiry()) {
            out.integer(-1);
        } else {
            long left = Math.max(0, e.expireAt() - now);
            out.integer(seconds ? (left + 500) / 1000 : left);
        }
    }

    private void flushAll(Session s, Command c, Replies out) throws IOException {
        if (c.argc() > 2 || (c.argc() == 2 && !c.is(1, "async") && !c.is(1, "sync"))) {
            throw CommandError.SYNTAX;
        }
        store.clear();
        out.ok();
    }
}
