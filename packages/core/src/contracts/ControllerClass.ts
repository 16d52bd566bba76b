import type { Newable } from 'inversify';

/** A controller class as passed to `useControllers`. */
export type ControllerClass = Newable<object>;
