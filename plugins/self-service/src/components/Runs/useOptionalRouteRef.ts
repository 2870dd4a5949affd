import {
  AnyRouteRefParams,
  RouteFunc,
  SubRouteRef,
  useRouteRef,
} from '@backstage/core-plugin-api';

/**
 * The link function of a sub route of the Self-Service page, or undefined
 * when the app has not mounted the page (for example an app that installs
 * only the entity tab), instead of the error `useRouteRef` throws then.
 */
export function useOptionalRouteRef<Params extends AnyRouteRefParams>(
  routeRef: SubRouteRef<Params>,
): RouteFunc<Params> | undefined {
  // useRouteRef calls all its hooks before it throws, so hook order holds.
  try {
    return useRouteRef(routeRef);
  } catch {
    return undefined;
  }
}
