// Fails at run time with an uncaught exception, so the JVM prints the stack trace and exits with
// code 1. The class is not named Main, so run-main-class has to find it by its main method.
public class Checker {
    static int parse(String text) {
        return Integer.parseInt(text);
    }

    public static void main(String[] args) {
        System.out.println("parsed " + parse("forty-two"));
    }
}
