fn main() {
    println!("before the panic");
    let text = "forty-two";
    let number: i32 = text.parse().expect("the input is not a number");
    println!("{}", number);
}
