/*
 * Jackson's CBOR (com.fasterxml.jackson.dataformat.cbor), the library under the Java SDKs' CBOR protocol, driven as
 * they drive it, for the emulator's tests (testing/jackson-cbor.ts):
 *
 *   encode: reads generator calls, one a line, and prints the bytes in hex. The calls are those of the SDKs'
 *           SdkJsonGenerator / SdkCborGenerator: `{` writeStartObject, `}` writeEndObject, `[` writeStartArray,
 *           `]` writeEndArray, `field NAME`, `string TEXT`, `int N` writeNumber(int), `bool B`, `binary HEX`
 *           writeBinary, `timestamp MILLIS` writeTag(1) + writeNumber(long) (SdkCborGenerator.writeValue).
 *   decode: reads hex and prints the parser's tokens, one a line, with what the SDKs' unmarshallers read from each:
 *           `int TEXT LONG TAG` (getText, getLongValue, getCurrentTag), `bytes HEX` (getBinaryValue), `string TEXT`,
 *           `field NAME`, `{`, `}`, `[`, `]`, `bool B`, `null`, `float TEXT`.
 */
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.cbor.CBORFactory;
import com.fasterxml.jackson.dataformat.cbor.CBORGenerator;
import com.fasterxml.jackson.dataformat.cbor.CBORParser;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;

public final class JacksonCborProbe {
  private static final CBORFactory FACTORY = new CBORFactory();

  public static void main(String[] args) throws Exception {
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    if (args[0].equals("encode")) encode(in);
    else decode(in.readLine().trim());
  }

  private static void encode(BufferedReader in) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    CBORGenerator g = FACTORY.createGenerator(out);
    for (String line; (line = in.readLine()) != null; ) {
      int space = line.indexOf(' ');
      String op = space < 0 ? line : line.substring(0, space);
      String arg = space < 0 ? "" : line.substring(space + 1);
      switch (op) {
        case "{": g.writeStartObject(); break;
        case "}": g.writeEndObject(); break;
        case "[": g.writeStartArray(); break;
        case "]": g.writeEndArray(); break;
        case "field": g.writeFieldName(arg); break;
        case "string": g.writeString(arg); break;
        case "int": g.writeNumber(Integer.parseInt(arg)); break;
        case "bool": g.writeBoolean(Boolean.parseBoolean(arg)); break;
        case "binary": g.writeBinary(fromHex(arg)); break;
        case "timestamp": g.writeTag(1); g.writeNumber(Long.parseLong(arg)); break;
        default: throw new IllegalArgumentException("unknown call " + op);
      }
    }
    g.close();
    System.out.println(toHex(out.toByteArray()));
  }

  private static void decode(String hex) throws Exception {
    CBORParser p = FACTORY.createParser(fromHex(hex));
    StringBuilder s = new StringBuilder();
    for (JsonToken t; (t = p.nextToken()) != null; ) {
      switch (t) {
        case START_OBJECT: s.append("{"); break;
        case END_OBJECT: s.append("}"); break;
        case START_ARRAY: s.append("["); break;
        case END_ARRAY: s.append("]"); break;
        case FIELD_NAME: s.append("field ").append(p.getCurrentName()); break;
        case VALUE_STRING: s.append("string ").append(p.getText()); break;
        case VALUE_NUMBER_INT: s.append("int ").append(p.getText()).append(' ').append(p.getLongValue()).append(' ').append(p.getCurrentTag()); break;
        case VALUE_NUMBER_FLOAT: s.append("float ").append(p.getText()); break;
        case VALUE_EMBEDDED_OBJECT: s.append("bytes ").append(toHex(p.getBinaryValue())); break;
        case VALUE_TRUE: case VALUE_FALSE: s.append("bool ").append(p.getBooleanValue()); break;
        case VALUE_NULL: s.append("null"); break;
        default: s.append("other ").append(t);
      }
      s.append('\n');
    }
    System.out.print(s);
  }

  private static byte[] fromHex(String hex) {
    byte[] b = new byte[hex.length() / 2];
    for (int i = 0; i < b.length; i++) b[i] = (byte) Integer.parseInt(hex.substring(2 * i, 2 * i + 2), 16);
    return b;
  }

  private static String toHex(byte[] bytes) {
    StringBuilder s = new StringBuilder();
    for (byte x : bytes) s.append(String.format("%02x", x));
    return s.toString();
  }
}
