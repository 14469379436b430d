import type { CompiledQuery, QueryExecutor } from 'kysely';
import { type Executor, markPreparedStatement, trySyncRead } from './database.ts';

/** Stands in for argument `i` while the query is compiled; never a real value (NUL is refused in text). */
const SENTINEL_PREFIX = '\u0000outfield-arg:';

interface Template {
  query: CompiledQuery;
  /** For each parameter: the index of the argument it takes, or -1 to keep the compiled value. */
  slots: number[];
}

export interface CompiledQueryFn<A extends readonly unknown[], R> {
  (db: Executor, ...args: A): Promise<readonly R[]>;
  /**
   * The rows without waiting when the query can run synchronously here (a SELECT on SQLite outside
   * a transaction), else undefined: then call the query itself. Saves the promise hops of callers
   * that can finish synchronously (the authentication hook of every request).
   */
  now(db: Executor, ...args: A): readonly R[] | undefined;
}

/**
 * A fixed-shape query compiled once per database dialect and then executed with fresh arguments.
 * Building and compiling a Kysely query costs more CPU than SQLite takes to run a keyed lookup, so
 * the hottest queries (one per authenticated request) skip it. `build` must produce the same SQL
 * for any arguments: it may pass them only as values (no branching on them, no arrays for `in`,
 * no string concatenation); compiling checks that every argument appears as a whole parameter.
 * Queries made with plugins are compiled every time (a plugin may rewrite them per call).
 */
export function compiledQuery<A extends readonly unknown[], R>(
  build: (db: Executor, ...args: A) => { compile(): CompiledQuery<R> },
  options: {
    /**
     * SQLite: serve the rows from the connection's coherent read cache while nothing in the
     * database changed (see `coherentReadCache` in database.ts). The rows are then frozen and
     * shared: the caller must map them, never modify them.
     */
    cached?: boolean;
  } = {},
): CompiledQueryFn<A, R> {
  const cached = options.cached === true;
  const templates = new WeakMap<QueryExecutor['adapter'], Template>();
  const compile = (db: Executor, arity: number): Template => {
    const sentinels = Array.from({ length: arity }, (_, i) => `${SENTINEL_PREFIX}${i}`);
    const query = build(db, ...(sentinels as unknown as A)).compile();
    const slots = query.parameters.map((p) => {
      if (typeof p !== 'string' || !p.includes(SENTINEL_PREFIX)) return -1;
      const index = sentinels.indexOf(p);
      if (index === -1)
        throw new Error(`compiledQuery: an argument was altered before binding: ${query.sql}`);
      return index;
    });
    for (let i = 0; i < arity; i++) {
      if (!slots.includes(i))
        throw new Error(`compiledQuery: argument ${i} is not a parameter of ${query.sql}`);
    }
    markPreparedStatement(query.sql);
    return { query, slots };
  };
  const prepare = (db: Executor, args: A): { query: CompiledQuery; parameters: unknown[] } => {
    const executor = db.getExecutor();
    let template = executor.plugins.length === 0 ? templates.get(executor.adapter) : undefined;
    if (template === undefined) {
      template = compile(db, args.length);
      if (executor.plugins.length === 0) templates.set(executor.adapter, template);
    }
    const { query, slots } = template;
    return { query, parameters: slots.map((slot, i) => (slot === -1 ? query.parameters[i] : args[slot])) };
  };
  /** SQLite, outside any transaction: run the prepared statement right away (see trySyncRead). */
  const now = (db: Executor, ...args: A): readonly R[] | undefined => {
    const { query, parameters } = prepare(db, args);
    if (query.query.kind !== 'SelectQueryNode') return undefined;
    return trySyncRead(db, query.sql, parameters, { cached }) as readonly R[] | undefined;
  };
  const run = async (db: Executor, ...args: A): Promise<readonly R[]> => {
    const { query, parameters } = prepare(db, args);
    if (query.query.kind === 'SelectQueryNode') {
      const rows = trySyncRead(db, query.sql, parameters, { cached });
      if (rows !== undefined) return rows as readonly R[];
    }
    const result = await db.executeQuery<R>({ ...query, parameters } as CompiledQuery<R>);
    return result.rows;
  };
  return Object.assign(run, { now });
}

/** Values of a shaped query: each a parameter, or a list of parameters (an `in (…)` list). */
export type ShapeArgs = Record<string, unknown>;

/**
 * `compiledQuery` for queries whose SQL depends on a few inputs besides plain values: the lengths
 * of `in (…)` lists and whatever `shape` names (filters that add or drop clauses). The query is
 * built and compiled by Kysely once per (dialect, shape, list lengths) and then executed with the
 * arguments bound into its parameter slots — building and compiling a Kysely query with a few
 * lists costs more CPU than SQLite takes to aggregate a month of rollups. `build` must pass every
 * value of `args` only as a whole parameter (lists element by element), never branch on the values
 * (only on `shape`); compiling checks that every value appears as a parameter. Queries made with
 * plugins are compiled every time.
 */
export function shapedQuery<A extends ShapeArgs, S, R>(
  build: (db: Executor, args: A, shape: S) => { compile(): CompiledQuery<R> },
  shapeKey: (shape: S) => string,
) {
  const templates = new WeakMap<QueryExecutor['adapter'], Map<string, Template>>();
  const names = (args: A): string[] => Object.keys(args).sort();
  const compile = (db: Executor, args: A, shape: S): Template => {
    const flat: string[] = [];
    const sentinelArgs: Record<string, unknown> = {};
    for (const name of names(args)) {
      const value = args[name];
      if (Array.isArray(value)) {
        sentinelArgs[name] = value.map(() => {
          flat.push(`${SENTINEL_PREFIX}${flat.length}`);
          return flat[flat.length - 1];
        });
      } else {
        flat.push(`${SENTINEL_PREFIX}${flat.length}`);
        sentinelArgs[name] = flat[flat.length - 1];
      }
    }
    const query = build(db, sentinelArgs as A, shape).compile();
    const slots = query.parameters.map((p) => {
      if (typeof p !== 'string' || !p.includes(SENTINEL_PREFIX)) return -1;
      const index = flat.indexOf(p);
      if (index === -1) throw new Error(`shapedQuery: an argument was altered before binding: ${query.sql}`);
      return index;
    });
    for (let i = 0; i < flat.length; i++) {
      if (!slots.includes(i))
        throw new Error(`shapedQuery: argument ${i} is not a parameter of ${query.sql}`);
    }
    markPreparedStatement(query.sql);
    return { query, slots };
  };
  /** The compiled query with these arguments bound: run it with `trySyncRead` or `executeQuery`. */
  return (db: Executor, args: A, shape: S): CompiledQuery<R> => {
    const executor = db.getExecutor();
    if (executor.plugins.length > 0) return build(db, args, shape).compile();
    const flat: unknown[] = [];
    const lengths: number[] = [];
    for (const name of names(args)) {
      const value = args[name];
      if (Array.isArray(value)) {
        lengths.push(value.length);
        for (const v of value) flat.push(v);
      } else flat.push(value);
    }
    const key = `${shapeKey(shape)}|${Object.keys(args).length}|${lengths.join(',')}`;
    let byShape = templates.get(executor.adapter);
    if (byShape === undefined) {
      byShape = new Map();
      templates.set(executor.adapter, byShape);
    }
    let template = byShape.get(key);
    if (template === undefined) {
      template = compile(db, args, shape);
      // Bounded: shapes come from filters and list lengths; start over rather than grow without end.
      if (byShape.size >= 500) byShape.clear();
      byShape.set(key, template);
    }
    const { query, slots } = template;
    return {
      ...query,
      parameters: slots.map((slot, i) => (slot === -1 ? query.parameters[i] : flat[slot])),
    } as CompiledQuery<R>;
  };
}
