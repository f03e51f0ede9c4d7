// Entry point Pulumi runs (`pulumi up` in this folder). A module that exports a function is called
// by Pulumi, and what the function returns becomes the stack outputs.
import { main, readSettings } from './program';

export = (): Record<string, unknown> => {
  const { environment, namespaces, objects } = main(readSettings());
  return { environment, namespaces, objects };
};
