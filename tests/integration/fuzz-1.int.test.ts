// Input fuzzing, shard 1 of 2 (see tests/fuzz/fuzz-suite.ts).
import { fuzzShard } from '../fuzz/fuzz-suite.ts';

await fuzzShard(1, 2);
