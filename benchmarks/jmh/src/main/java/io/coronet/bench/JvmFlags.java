package io.coronet.bench;

/**
 * coronet's JVM flags (the root pom's coronet.jvm.flags) as annotation constants for
 * {@code @Fork(jvmArgsAppend = ...)}: every forked benchmark JVM gets them, whoever runs the jar.
 */
final class JvmFlags {
    /** Lets JDK 21/22 start despite sun-misc-unsafe-memory-access, which they do not know. */
    static final String IGNORE_UNKNOWN = "-XX:+IgnoreUnrecognizedVMOptions";
    static final String ADD_EXPORTS = "--add-exports";
    static final String JDK_INTERNAL_VM = "java.base/jdk.internal.vm=ALL-UNNAMED";
    static final String NATIVE_ACCESS = "--enable-native-access=ALL-UNNAMED";
    static final String UNSAFE_ACCESS = "--sun-misc-unsafe-memory-access=allow";

    private JvmFlags() {
    }
}
