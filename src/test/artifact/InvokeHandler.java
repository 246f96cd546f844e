import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Run with the JDK's source launcher and nothing but the Lambda artifact on the class path:
 *   java -cp target/event-recorder-lambda.jar src/test/artifact/InvokeHandler.java CLASS EVENT.json
 * It does what Lambda's Java runtime does with a handler: load the class by name, construct it with its no-argument
 * constructor (configuration comes from the environment), turn the event JSON into the handler's input type, call
 * handleRequest, and print the result as JSON. Anything missing from the artifact fails here.
 */
public class InvokeHandler {
    public static void main(String[] args) throws Exception {
        Class<?> handlerClass = Class.forName(args[0]);
        Object handler = handlerClass.getConstructor().newInstance();
        Method handle = null;
        for (Method m : handlerClass.getMethods()) {
            if (m.getName().equals("handleRequest") && !m.isBridge() && m.getParameterCount() == 2) {
                handle = m;
            }
        }
        ObjectMapper json = JsonMapper.builder()
                .enable(MapperFeature.ACCEPT_CASE_INSENSITIVE_PROPERTIES)
                .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .build();
        Object input = json.readValue(Files.readString(Path.of(args[1])), handle.getParameterTypes()[0]);
        Object result = handle.invoke(handler, input, null);
        System.out.println("RESULT=" + json.writeValueAsString(result));
        System.exit(0);
    }
}
