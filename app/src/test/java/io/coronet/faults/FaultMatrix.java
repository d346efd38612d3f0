package io.coronet.faults;

import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestWatcher;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Records every {@link Fault} test's outcome as one tab-separated row in
 * {@code <dir>/<TestClass>.tsv} (dir: system property {@code coronet.faults.matrix.dir}, default
 * {@code target/faults-matrix/<backend>}), so faults/matrix.sh can turn the run into docs/FAULTS.md.
 *
 * <p>Columns: area, case, expectation, result (PASS / FAIL / SKIP), measured (what the test
 * noted with {@link #note}, or the failure / skip reason).
 */
public final class FaultMatrix implements BeforeAllCallback, BeforeEachCallback, TestWatcher {
    private static final ThreadLocal<List<String>> NOTES = ThreadLocal.withInitial(ArrayList::new);

    /** Adds a measured value to the current test's row, e.g. "RSS +14 MiB". */
    public static void note(String measured) {
        NOTES.get().add(measured);
    }

    /** A class's rows are rewritten by each run of that class. */
    @Override
    public void beforeAll(ExtensionContext context) throws IOException {
        Files.createDirectories(dir());
        Files.deleteIfExists(dir().resolve(context.getRequiredTestClass().getSimpleName() + ".tsv"));
        // what this run was, for the table's caption
        String backend = System.getProperty("coronet.backend", "default");
        String mode = Boolean.getBoolean("coronet.faults.long") ? "long" : "CI (short)";
        Files.writeString(dir().resolve("_run.txt"), "JUnit fault suite, mode " + mode + ", backend " + backend + ", "
                + System.getProperty("os.name") + " " + System.getProperty("os.version") + ", "
                + Runtime.getRuntime().availableProcessors() + " cores, JDK " + Runtime.version() + ", "
                + java.time.LocalDate.now() + "\n", StandardCharsets.UTF_8);
    }

    private static Path dir() {
        // one directory per backend by default: the build runs the suites once per backend
        String backend = System.getProperty("coronet.backend", "").isBlank() ? "default" : System.getProperty("coronet.backend");
        return Path.of(System.getProperty("coronet.faults.matrix.dir", "target/faults-matrix/" + backend));
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        NOTES.get().clear();
    }

    @Override
    public void testSuccessful(ExtensionContext context) {
        record(context, "PASS", String.join("; ", NOTES.get()));
    }

    @Override
    public void testFailed(ExtensionContext context, Throwable cause) {
        String notes = String.join("; ", NOTES.get());
        record(context, "FAIL", (notes.isEmpty() ? "" : notes + "; ") + cause);
    }

    @Override
    public void testAborted(ExtensionContext context, Throwable cause) {
        record(context, "SKIP", String.valueOf(cause.getMessage()));
    }

    @Override
    public void testDisabled(ExtensionContext context, Optional<String> reason) {
        record(context, "SKIP", reason.orElse("disabled"));
    }

    private static void record(ExtensionContext context, String result, String measured) {
        Fault f = context.getTestMethod().map(m -> m.getAnnotation(Fault.class)).orElse(null);
        if (f == null) {
            return;
        }
        Path dir = dir();
        String row = String.join("\t", clean(f.area()), clean(f.name()), clean(f.expect()), result, clean(measured)) + "\n";
        try {
            Files.createDirectories(dir);
            Files.writeString(dir.resolve(context.getRequiredTestClass().getSimpleName() + ".tsv"), row,
                    StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        NOTES.get().clear();
    }

    /** One line, no tabs, no table-breaking pipes, bounded. */
    private static String clean(String s) {
        String t = s.replaceAll("[\\t\\r\\n]+", " ").replace("|", "/");
        return t.length() > 300 ? t.substring(0, 297) + "..." : t;
    }
}
