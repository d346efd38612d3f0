package io.coronet.ffi;

/**
 * The JVM flags a coronet process needs, for the JDK it runs on, so that an error about a
 * missing flag can name every flag to add instead of the first one that happened to fail.
 *
 * <ul>
 *   <li>{@code --add-exports java.base/jdk.internal.vm=ALL-UNNAMED}: the continuations
 *   coroutines run on (JDK 21+).</li>
 *   <li>{@code --enable-native-access=ALL-UNNAMED}: jnr-ffi's native calls (a warning from
 *   JDK 22 on without it, denied by a future JDK).</li>
 *   <li>{@code --sun-misc-unsafe-memory-access=allow}: jnr-ffi/jffi use sun.misc.Unsafe memory
 *   access; the flag exists from JDK 23 on (JEP 471), and JDK 21/22 refuse to start with it, so
 *   it is only listed there.</li>
 * </ul>
 * A library user sets them where their JVM starts: Surefire's {@code argLine}, {@code
 * .mvn/jvm.config} for {@code exec:java} (which runs in Maven's own JVM), or the {@code java}
 * command line (README, "Use coronet as a library").
 */
public final class JvmFlags {
    private JvmFlags() {
    }

    /** The flags for JDK {@code feature} (21, 22, 25, ...), space-separated. */
    public static String forJdk(int feature) {
        String flags = "--add-exports java.base/jdk.internal.vm=ALL-UNNAMED --enable-native-access=ALL-UNNAMED";
        return feature >= 23 ? flags + " --sun-misc-unsafe-memory-access=allow" : flags;
    }

    /** The flags for the running JDK. */
    public static String forThisJdk() {
        return forJdk(Runtime.version().feature());
    }

    /** One sentence for error messages: which flags, and where they go. */
    public static String advice() {
        return "start the JVM with " + forThisJdk() + " (JDK " + Runtime.version().feature()
                + "; Surefire: <argLine>, exec:java: .mvn/jvm.config, java -cp: on the command line;"
                + " java -jar of a jar whose manifest has Add-Exports and Enable-Native-Access needs none)";
    }
}
