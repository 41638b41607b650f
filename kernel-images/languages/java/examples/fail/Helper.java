// A class without a main method, which run-main-class must skip.
public class Helper {
    static String name() {
        return "helper";
    }
}
