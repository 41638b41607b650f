package ai.backend.manager.application;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class PasswordHasherTest {

  @Test
  void hashVerifiesItsPasswordOnly() {
    String hash = PasswordHasher.hash("correct horse battery");
    assertTrue(PasswordHasher.verify("correct horse battery", hash));
    assertFalse(PasswordHasher.verify("correct horse batterY", hash));
    assertFalse(PasswordHasher.verify("", hash));
    assertFalse(PasswordHasher.verify(null, hash));
  }

  @Test
  void hashNamesItsSchemeAndIterationsAndNeverContainsThePassword() {
    String hash = PasswordHasher.hash("s3cret-value");
    String[] parts = hash.split("\\$");
    assertEquals(4, parts.length, hash);
    assertEquals("pbkdf2_sha256", parts[0]);
    assertEquals(String.valueOf(PasswordHasher.ITERATIONS), parts[1]);
    assertFalse(hash.contains("s3cret"));
  }

  @Test
  void samePasswordGetsDifferentSalts() {
    assertNotEquals(PasswordHasher.hash("same"), PasswordHasher.hash("same"));
  }

  @Test
  void malformedOrMissingHashesMatchNothing() {
    assertFalse(PasswordHasher.verify("x", null));
    assertFalse(PasswordHasher.verify("x", ""));
    assertFalse(PasswordHasher.verify("x", "plain-text-password"));
    assertFalse(PasswordHasher.verify("x", "pbkdf2_sha256$abc$AAAA$AAAA"));
    assertFalse(PasswordHasher.verify("x", "pbkdf2_sha256$0$AAAA$AAAA"));
    assertFalse(PasswordHasher.verify("x", "pbkdf2_sha256$1000$!!!$AAAA"));
    assertFalse(PasswordHasher.verify("x", "md5$1000$AAAA$AAAA"));
  }

  @Test
  void iterationCountIsPartOfTheHash() {
    String hash = PasswordHasher.hash("grown");
    String older = hash.replace("$" + PasswordHasher.ITERATIONS + "$", "$1000$");
    assertTrue(PasswordHasher.verify("grown", hash));
    assertFalse(PasswordHasher.verify("grown", older), "the stored count is the one used");
  }
}
