import { measureIngest } from "./memory.ts";
console.log(JSON.stringify(await measureIngest(10000, 5, "rich")));
console.log(JSON.stringify(await measureIngest(10000, 5, "lean")));
