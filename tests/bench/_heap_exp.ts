import { measureHeap } from "./memory.ts";
console.log(measureHeap(20000));
