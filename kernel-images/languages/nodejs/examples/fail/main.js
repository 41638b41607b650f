function parseConfig(text) {
  return JSON.parse(text);
}

console.log("before the error");
parseConfig("{not json");
