// Input fuzzing, shard 2 of 2 (see tests/fuzz/fuzz-suite.ts).
import { fuzzShard } from '../fuzz/fuzz-suite.ts';

await fuzzShard(2, 2);
