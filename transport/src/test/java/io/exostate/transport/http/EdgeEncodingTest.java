package io.exostate.transport.http;

import io.exostate.transport.SecretsCipher;
import com.fasterxml.jackson.databind.JsonNode;
import io.exostate.core.model.FieldKind;
import io.exostate.core.template.SchemaField;
import org.junit.jupiter.api.Test;

import java.security.GeneralSecurityException;
import java.util.Base64;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The edge's pure helpers: schema reading, Python repr, secrets cipher, request ids, times. */
class EdgeEncodingTest
{
    private static JsonNode json(final String text) throws Exception
    {
        return HttpApiFixture.MAPPER.readTree(text);
    }

    @Test
    void shouldReadSchemaPropertiesAsSpecSection12Says() throws Exception
    {
        final List<SchemaField> fields = SchemaFields.parse(json("""
            {"properties": {
              "plain": {"type": "string"},
              "email": {"type": "string", "format": "email"},
              "unknownFormat": {"type": "string", "format": "hostname"},
              "dateTime": {"type": "string", "format": "date-time"},
              "uri": {"type": "string", "format": "uri"},
              "uuid": {"type": "string", "format": "uuid"},
              "literal": {"type": "string", "enum": ["a", "b"]},
              "constant": {"const": "x"},
              "optional": {"anyOf": [{"type": "string"}, {"type": "null"}]},
              "one": {"oneOf": [{"type": "string"}]},
              "all": {"allOf": [{"type": "string"}]},
              "ref": {"$ref": "#/$defs/X"},
              "typeList": {"type": ["string", "null"]},
              "number": {"type": "integer"},
              "untyped": {"title": "Untyped"}
            }, "type": "object"}
            """));
        assertThat(fields).extracting(SchemaField::name).containsExactly("plain", "email", "unknownFormat", "dateTime",
            "uri", "uuid", "literal", "constant", "optional", "one", "all", "ref", "typeList", "number", "untyped");
        assertThat(fields).extracting(SchemaField::kind).containsExactly(
            FieldKind.STRING, FieldKind.STRING, FieldKind.STRING, FieldKind.NOT_STRING, FieldKind.NOT_STRING,
            FieldKind.NOT_STRING, FieldKind.NOT_STRING, FieldKind.NOT_STRING, FieldKind.NOT_STRING,
            FieldKind.NOT_STRING, FieldKind.NOT_STRING, FieldKind.NOT_STRING, FieldKind.NOT_STRING,
            FieldKind.NOT_STRING, FieldKind.UNTYPED);
    }

    @Test
    void shouldHaveNoFieldsWithoutProperties() throws Exception
    {
        assertThat(SchemaFields.parse(json("{\"title\": \"Inputs\", \"type\": \"object\"}"))).isEmpty();
        assertThat(SchemaFields.parse(json("{\"properties\": []}"))).isEmpty();
    }

    @Test
    void shouldRenderJsonValuesLikePythonRepr() throws Exception
    {
        assertThat(PythonRepr.repr(json("5"))).isEqualTo("5");
        assertThat(PythonRepr.repr(json("-12345678901234567890123"))).isEqualTo("-12345678901234567890123");
        assertThat(PythonRepr.repr(json("true"))).isEqualTo("True");
        assertThat(PythonRepr.repr(json("null"))).isEqualTo("None");
        assertThat(PythonRepr.repr(json("1.5"))).isEqualTo("1.5");
        assertThat(PythonRepr.repr(json("1.0"))).isEqualTo("1.0");
        assertThat(PythonRepr.repr(json("1e16"))).isEqualTo("1e+16");
        assertThat(PythonRepr.repr(json("1e15"))).isEqualTo("1000000000000000.0");
        assertThat(PythonRepr.repr(json("0.0001"))).isEqualTo("0.0001");
        assertThat(PythonRepr.repr(json("0.00001"))).isEqualTo("1e-05");
        assertThat(PythonRepr.repr(json("-2.5e-7"))).isEqualTo("-2.5e-07");
        assertThat(PythonRepr.repr(json("[1, \"a\", {\"k\": [true, null]}]"))).isEqualTo("[1, 'a', {'k': [True, None]}]");
        assertThat(PythonRepr.repr(json("{}"))).isEqualTo("{}");
        assertThat(PythonRepr.repr(json("\"it's\""))).isEqualTo("\"it's\"");
        assertThat(PythonRepr.repr(json("\"tab\\there\""))).isEqualTo("'tab\\there'");
    }

    @Test
    void shouldDecryptWhatPythonCryptographyEncrypted() throws GeneralSecurityException
    {
        // AESGCM(urlsafe_b64decode(key)).encrypt(nonce=bytes(range(100, 112)), "s3cr3t-välue".encode(), None)
        final SecretsCipher cipher = new SecretsCipher("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=");
        assertThat(cipher.decrypt("ZGVmZ2hpamtsbW5vOyi9FEqde-j9xjOdv0SmgNlJ4yvrhyb3jeCWbBs="))
            .isEqualTo("s3cr3t-välue");
    }

    @Test
    void shouldSealWithAFreshNonceAndTheStoredLayout() throws GeneralSecurityException
    {
        final SecretsCipher cipher = new SecretsCipher(SecretsCipher.generateKey());
        final String a = cipher.encrypt("hunter2");
        final String b = cipher.encrypt("hunter2");
        assertThat(a).isNotEqualTo(b);
        assertThat(Base64.getUrlDecoder().decode(a)).hasSize(12 + "hunter2".length() + 16);
        assertThat(a.length()).isGreaterThanOrEqualTo(32);
        assertThat(cipher.decrypt(a)).isEqualTo("hunter2");
        assertThat(cipher.decrypt(cipher.encrypt(""))).isEmpty();
    }

    @Test
    void shouldRefuseTamperedOrForeignTokens()
    {
        final SecretsCipher cipher = new SecretsCipher(SecretsCipher.generateKey());
        final SecretsCipher other = new SecretsCipher(SecretsCipher.generateKey());
        final String token = cipher.encrypt("value");
        final char[] chars = token.toCharArray();
        chars[20] = chars[20] == 'A' ? 'B' : 'A';
        assertThatThrownBy(() -> cipher.decrypt(new String(chars))).isInstanceOf(GeneralSecurityException.class);
        assertThatThrownBy(() -> other.decrypt(token)).isInstanceOf(GeneralSecurityException.class);
        assertThatThrownBy(() -> cipher.decrypt("not base64 !")).isInstanceOf(GeneralSecurityException.class);
        assertThatThrownBy(() -> cipher.decrypt("AAAA")).isInstanceOf(GeneralSecurityException.class);
    }

    @Test
    void shouldRefuseKeysThatAreNot32Bytes()
    {
        assertThatThrownBy(() -> new SecretsCipher(Base64.getUrlEncoder().encodeToString(new byte[16])))
            .hasMessageContaining("32 bytes");
        assertThatThrownBy(() -> new SecretsCipher("%%%")).hasMessageContaining("base64");
        assertThatThrownBy(() -> new SecretsCipher(null)).hasMessageContaining("required");
    }

    @Test
    void shouldAcceptWhatPythonUuidAccepts()
    {
        assertThat(RequestIds.isUuid("123e4567-e89b-12d3-a456-426614174000")).isTrue();
        assertThat(RequestIds.isUuid("123E4567E89B12D3A456426614174000")).isTrue();
        assertThat(RequestIds.isUuid("{123e4567-e89b-12d3-a456-426614174000}")).isTrue();
        assertThat(RequestIds.isUuid("urn:uuid:123e4567-e89b-12d3-a456-426614174000")).isTrue();
        assertThat(RequestIds.isUuid("123e4567-e89b-12d3-a456-42661419")).isFalse();
        assertThat(RequestIds.isUuid("123e4567-e89b-12d3-a456-426614174000-extra")).isFalse();
        assertThat(RequestIds.isUuid("not-a-uuid-at-all")).isFalse();
        assertThat(RequestIds.isUuid("")).isFalse();
        assertThat(RequestIds.isUuid("   ")).isFalse();
        assertThat(RequestIds.keepOrGenerate("12345")).isNotEqualTo("12345");
        assertThat(RequestIds.isUuid(RequestIds.keepOrGenerate(null))).isTrue();
    }

    @Test
    void shouldRenderTimesAsIsoUtcWithoutZone()
    {
        assertThat(IsoTime.format(1_767_225_600_123L)).isEqualTo("2026-01-01T00:00:00.123");
        assertThat(IsoTime.format(0)).isEqualTo("1970-01-01T00:00:00.000");
    }

    @Test
    void shouldRouteLikeStarlette()
    {
        assertThat(Router.match("GET", "/v0/namespace/a/graph/g").route()).isEqualTo(Router.Route.GET_GRAPH);
        assertThat(Router.match("GET", "/v0/namespace/a/graph/g").params()).containsExactly("a", "g");
        assertThat(Router.match("DELETE", "/v0/namespace/a/graph/g").allowedMethods()).containsExactly("PUT", "GET");
        assertThat(Router.match("GET", "/v0/namespace/a/nodes").redirectPath()).isEqualTo("/v0/namespace/a/nodes/");
        assertThat(Router.match("GET", "/v0/namespaces/").redirectPath()).isEqualTo("/v0/namespaces");
        assertThat(Router.match("GET", "/v0/namespace/a/graph/g/").redirectPath()).isEqualTo("/v0/namespace/a/graph/g");
        assertThat(Router.match("GET", "/v0/namespace//nodes/").found()).isFalse();
        assertThat(Router.match("GET", "/nope").redirect()).isFalse();
        assertThat(Router.match("GET", "/").found()).isFalse();
    }
}
