package main

import "fmt"

func main() {
	fmt.Println("before the panic")
	var values []int
	index := 3
	fmt.Println(values[index])
}
