import { useMutation, useQueryClient } from '@tanstack/react-query';

/**
 * A change made through the management API: while it runs the form is busy, its error is
 * kept for the form to show, and the listed queries are fetched again once it succeeded.
 */
export function useAction<I, O>(run: (input: I) => Promise<O>, refresh: readonly (readonly unknown[])[]) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: run,
    onSuccess: async () => {
      await Promise.all(refresh.map((queryKey) => queryClient.invalidateQueries({ queryKey })));
    },
  });
}
