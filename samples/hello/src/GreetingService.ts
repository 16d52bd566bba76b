import { injectable } from 'inversify';

/** A service: controllers get it through the container. */
@injectable()
export class GreetingService {
  #greeted = 0;

  greet(name: string): { message: string; greeted: number } {
    this.#greeted += 1;
    return { message: `Hello, ${name}!`, greeted: this.#greeted };
  }
}
