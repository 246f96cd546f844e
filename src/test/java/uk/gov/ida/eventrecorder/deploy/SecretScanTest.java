package uk.gov.ida.eventrecorder.deploy;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The pre-commit secret scan refuses planted credentials (assembled here at run time, so this file holds none). */
class SecretScanTest {

    @Test
    void refusesAPlantedAwsAccessKeyId() throws Exception {
        String fakeKeyId = "AKIA" + "Z7QXEXAMPLE" + "42ABC";
        Result result = scan("config:\n  aws_access_key_id: " + fakeKeyId + "\n");
        assertEquals(1, result.exit);
        assertTrue(result.output.contains("line(s) 2"), result.output);
        assertFalse(result.output.contains(fakeKeyId), "the scan does not print the secret");
    }

    @Test
    void refusesAPlantedSecretAccessKeyAndAPrivateKey() throws Exception {
        assertEquals(1, scan("aws_secret_access_key = \"" + "wJalrXUtnFEMI/K7MDENG/" + "bPxRfiCYEXAMPLEKEY1\"\n").exit);
        assertEquals(1, scan("-----BEGIN " + "RSA PRIVATE KEY-----\nMIIEow\n").exit);
    }

    @Test
    void letsOrdinaryCodeThrough() throws Exception {
        Result result = scan("String key = System.getenv(\"ENCRYPTION_KEY\");\n");
        assertEquals(0, result.exit, result.output);
    }

    private record Result(int exit, String output) {
    }

    private static Result scan(String content) throws IOException, InterruptedException {
        Path file = Files.createTempFile("planted-", ".txt");
        try {
            Files.writeString(file, content);
            Process process = new ProcessBuilder("bash", "build/secret-scan.sh", file.toString())
                    .redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            return new Result(process.waitFor(), output);
        } finally {
            Files.delete(file);
        }
    }
}
