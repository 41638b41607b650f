#include <stdexcept>
#include <vector>

// Fails at run time: the uncaught exception makes std::terminate print its message and abort.
int main() {
    std::vector<int> numbers{1, 2, 3};
    return numbers.at(5);
}
