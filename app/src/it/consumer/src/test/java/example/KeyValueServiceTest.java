package example;

import io.coronet.loop.EventLoopGroup;
import io.coronet.net.TcpServer;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The user's own test, run by their Surefire with the flags in argLine. */
class KeyValueServiceTest {
    @Test
    void setThenGetOverARealSocket() throws Exception {
        try (EventLoopGroup group = EventLoopGroup.start("kv-test", 2)) {
            TcpServer server = KeyValueService.start(group, new KeyValueService());
            try (Socket s = new Socket("127.0.0.1", server.port())) {
                s.setSoTimeout(10_000);
                OutputStream out = s.getOutputStream();
                BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
                out.write("SET a 1\nGET a\nGET b\nNOPE\n".getBytes(StandardCharsets.UTF_8));
                assertEquals("OK", in.readLine());
                assertEquals("1", in.readLine());
                assertEquals("(nil)", in.readLine());
                assertEquals("ERR unknown command", in.readLine());
            }
        }
    }
}
