package uk.gov.ida.eventrecorder.deploy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The check the artifact test applies, on jars made to pass and to fail it. */
class NativeLibrariesTest {
    @TempDir
    Path dir;

    @Test
    void aLibraryBuiltOnlyForX86IsReportedAsLackingAnArm64Build() throws IOException {
        Path jar = jar("only-x86.jar", "linux/x86_64/libaws-crt-jni.so", "com/example/Pure.class");

        assertEquals(1, NativeLibraries.in(jar).size());
        List<String> missing = NativeLibraries.withoutArm64Build(jar);
        assertEquals(1, missing.size());
        assertTrue(missing.get(0).startsWith("aws-crt-jni"), missing.toString());
    }

    @Test
    void aLibraryWithAnAarch64BuildBesideItsX86BuildPasses() throws IOException {
        Path jar = jar("both.jar", "linux/x86_64/libaws-crt-jni.so", "linux/aarch64/libaws-crt-jni.so",
                "META-INF/native/libnetty_transport_native_epoll_x86_64.so",
                "META-INF/native/libnetty_transport_native_epoll_aarch_64.so");

        assertEquals(2, NativeLibraries.in(jar).size(), NativeLibraries.in(jar).toString());
        assertEquals(List.of(), NativeLibraries.withoutArm64Build(jar));
    }

    @Test
    void aPureJavaJarHasNoNativeLibraries() throws IOException {
        assertTrue(NativeLibraries.in(jar("pure.jar", "a/B.class", "META-INF/MANIFEST.MF")).isEmpty());
    }

    private Path jar(String name, String... entries) throws IOException {
        Path jar = dir.resolve(name);
        try (OutputStream out = Files.newOutputStream(jar); ZipOutputStream zip = new ZipOutputStream(out)) {
            for (String entry : entries) {
                zip.putNextEntry(new ZipEntry(entry));
                zip.write(new byte[]{1, 2, 3});
                zip.closeEntry();
            }
        }
        return jar;
    }
}
