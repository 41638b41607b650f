#include <stdio.h>

/* Fails at run time: reports an error on stderr and exits with code 3. */
int main(void) {
    FILE *file = fopen("missing-input.txt", "r");
    if (file == NULL) {
        perror("cannot open missing-input.txt");
        return 3;
    }
    fclose(file);
    return 0;
}
