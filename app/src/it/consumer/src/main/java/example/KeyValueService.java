package example;

import io.coronet.coro.Coroutine;
import io.coronet.loop.EventLoopGroup;
import io.coronet.net.TcpConnection;
import io.coronet.net.TcpServer;

import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * A new user's first coronet service: a key-value store over a line protocol
 * ("SET key value" -> "OK", "GET key" -> the value or "(nil)"), written from the README.
 * main() starts it on a free port, talks to it with a coroutine client and prints the answers.
 */
public final class KeyValueService {
    private final ConcurrentMap<String, String> store = new ConcurrentHashMap<>();

    /** The per-connection logic, straight down: read a line, answer it, until the peer closes. */
    public TcpServer.Handler handler() {
        return conn -> {
            String line;
            while ((line = conn.readLine(1024)) != null) {
                String[] words = line.split(" ", 3);
                if (words.length == 3 && words[0].equals("SET")) {
                    store.put(words[1], words[2]);
                    conn.write("OK\n");
                } else if (words.length == 2 && words[0].equals("GET")) {
                    conn.write(store.getOrDefault(words[1], "(nil)") + "\n");
                } else {
                    conn.write("ERR unknown command\n");
                }
            }
        };
    }

    public static TcpServer start(EventLoopGroup group, KeyValueService service) throws Exception {
        return TcpServer.start(group, "127.0.0.1", 0, 128, service.handler());
    }

    public static void main(String[] args) throws Exception {
        try (EventLoopGroup group = EventLoopGroup.start("kv", 2)) {
            TcpServer server = start(group, new KeyValueService());
            String answers = Coroutine.spawn(group.next(), () -> {
                try (TcpConnection c = TcpConnection.connect("127.0.0.1", server.port(), Duration.ofSeconds(10))) {
                    c.write("SET greeting hello-from-coronet\nGET greeting\nGET missing\n");
                    return c.readLine(100) + " " + c.readLine(100) + " " + c.readLine(100);
                }
            }).join(Duration.ofSeconds(30));
            System.out.println("kv-service answers: " + answers);
        }
    }
}
