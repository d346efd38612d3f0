package io.coronet.cli;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What a new user does: a project of their own (app/src/it/consumer) that depends on the
 * installed coronet artifact, built with Maven and run three ways (their Surefire test, mvn
 * exec:java, a plain java -cp), so the coordinates, the JVM flags and README's instructions
 * can never drift from what works.
 *
 * <p>The artifact is the library jar this build produced, installed with its poms (and sources
 * and javadoc) by maven-install-plugin into a private local repository; every other artifact is
 * shared with the machine's own repository through symlinks, so nothing is downloaded twice
 * and the user's ~/.m2 never sees this build's SNAPSHOT.
 */
class LibraryConsumerIT {
    private static final long STEP_TIMEOUT_S = 300;
    private static Path root, work, repo, project, libraryJar;
    private static String version;

    @BeforeAll
    static void installTheArtifactIntoAPrivateRepository() throws Exception {
        root = DaemonProcess.repoRoot();
        try (Stream<Path> jars = Files.list(root.resolve("java/target"))) {
            libraryJar = jars.filter(p -> p.getFileName().toString().matches("coronet-[0-9].*[0-9T](-SNAPSHOT)?\\.jar"))
                    .findFirst().orElseThrow(() -> new IllegalStateException("no library jar in java/target: run mvn package first"));
        }
        String name = libraryJar.getFileName().toString();
        version = name.substring("coronet-".length(), name.length() - ".jar".length());
        work = root.resolve("app/target/consumer-it");
        deleteTree(work);
        repo = work.resolve("m2");
        shareMachineRepository(repo);
        Path target = root.resolve("java/target");
        mvn(work, List.of("org.apache.maven.plugins:maven-install-plugin:3.1.4:install-file",
                "-Dfile=" + root.resolve("pom.xml"), "-DpomFile=" + root.resolve("pom.xml"), "-Dpackaging=pom"));
        mvn(work, List.of("org.apache.maven.plugins:maven-install-plugin:3.1.4:install-file",
                "-Dfile=" + libraryJar, "-DpomFile=" + root.resolve("java/pom.xml"),
                "-Dsources=" + target.resolve("coronet-" + version + "-sources.jar"),
                "-Djavadoc=" + target.resolve("coronet-" + version + "-javadoc.jar")));
        project = work.resolve("project");
        copyTree(root.resolve("app/src/it/consumer"), project);
    }

    @Test
    void theLibraryJarCarriesNoCommandLineOrExamplesAndHasAModuleName() throws Exception {
        try (JarFile jar = new JarFile(libraryJar.toFile())) {
            assertFalse(jar.stream().anyMatch(e -> e.getName().startsWith("io/coronet/cli/")
                    || e.getName().startsWith("io/coronet/examples/")), "library jar has CLI or example classes");
            assertTrue(jar.stream().anyMatch(e -> e.getName().startsWith("native/")), "library jar carries the native libraries");
            assertEquals("io.coronet", jar.getManifest().getMainAttributes().getValue("Automatic-Module-Name"));
        }
        Path installed = repo.resolve("io/coronet/coronet/" + version);
        for (String file : List.of(".jar", ".pom", "-sources.jar", "-javadoc.jar")) {
            assertTrue(Files.isRegularFile(installed.resolve("coronet-" + version + file)), "installed " + file);
        }
    }

    @Test
    void theUsersOwnSurefireTestPassesWithTheFlagsFromTheReadme() throws Exception {
        mvn(project, List.of("-Dcoronet.version=" + version, "verify"));
        String report = Files.readString(project.resolve("target/surefire-reports/TEST-example.KeyValueServiceTest.xml"));
        assertTrue(report.contains("tests=\"1\"") && report.contains("failures=\"0\"") && report.contains("errors=\"0\""), report);
    }

    @Test
    void execJavaRunsTheServiceInMavensJvmWithJvmConfig() throws Exception {
        String out = mvn(project, List.of("-Dcoronet.version=" + version, "compile", "exec:java"));
        assertTrue(out.contains("kv-service answers: OK hello-from-coronet (nil)"), out);
    }

    @Test
    void aPlainJavaCommandLineRunsItWithTheFlags() throws Exception {
        mvn(project, List.of("-Dcoronet.version=" + version, "compile", "dependency:build-classpath",
                "-Dmdep.outputFile=" + project.resolve("cp.txt")));
        String cp = project.resolve("target/classes") + java.io.File.pathSeparator
                + Files.readString(project.resolve("cp.txt")).strip();
        List<String> cmd = new ArrayList<>(List.of(javaHome().resolve("bin/java").toString()));
        cmd.addAll(List.of(io.coronet.ffi.JvmFlags.forThisJdk().split(" ")));
        cmd.addAll(List.of("-cp", cp, "example.KeyValueService"));
        String out = run(project, cmd, java.util.Map.of());
        assertTrue(out.contains("kv-service answers: OK hello-from-coronet (nil)"), out);
    }

    // ---- helpers -------------------------------------------------------------------------------

    private static Path javaHome() {
        return Path.of(System.getProperty("java.home")); // Failsafe forks on the build's JDK >= 21
    }

    /** Runs Maven on the JDK this test runs on (exec:java needs >= 21 in Maven's own JVM). */
    private static String mvn(Path dir, List<String> args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("mvn", "-B", "-q", "-Dmaven.repo.local=" + repo));
        cmd.addAll(args);
        return run(dir, cmd, java.util.Map.of("JAVA_HOME", javaHome().toString()));
    }

    private static String run(Path dir, List<String> cmd, java.util.Map<String, String> env) throws Exception {
        Files.createDirectories(dir);
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true);
        pb.environment().putAll(env);
        pb.environment().remove("MAVEN_OPTS");
        Path log = Files.createTempFile(work, "step", ".log");
        pb.redirectOutput(log.toFile());
        Process p = pb.start();
        if (!p.waitFor(STEP_TIMEOUT_S, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("timed out after " + STEP_TIMEOUT_S + " s: " + cmd + "\n" + Files.readString(log));
        }
        String out = Files.readString(log, StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), "failed: " + String.join(" ", cmd) + "\n" + out);
        return out;
    }

    /**
     * A local repository whose every top-level folder links to the machine's, except
     * io/coronet, which stays private to this test.
     */
    private static void shareMachineRepository(Path into) throws IOException {
        Path machine = Path.of(System.getProperty("user.home"), ".m2", "repository");
        Files.createDirectories(into.resolve("io"));
        if (!Files.isDirectory(machine)) {
            return; // a machine without a repository yet: Maven downloads into ours
        }
        try (Stream<Path> top = Files.list(machine)) {
            for (Path p : (Iterable<Path>) top::iterator) {
                if (p.getFileName().toString().equals("io")) {
                    try (Stream<Path> io = Files.list(p)) {
                        for (Path q : (Iterable<Path>) io::iterator) {
                            if (!q.getFileName().toString().equals("coronet")) {
                                Files.createSymbolicLink(into.resolve("io").resolve(q.getFileName()), q);
                            }
                        }
                    }
                } else {
                    Files.createSymbolicLink(into.resolve(p.getFileName()), p);
                }
            }
        }
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> all = Files.walk(from)) {
            for (Path p : (Iterable<Path>) all::iterator) {
                Path dest = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(dest);
                } else {
                    Files.copy(p, dest);
                }
            }
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> all = Files.walk(dir)) { // walk does not follow the repository's symlinks
            for (Path p : (Iterable<Path>) all.sorted(Comparator.reverseOrder())::iterator) {
                Files.delete(p);
            }
        }
    }
}
