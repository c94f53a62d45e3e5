import type { Readable } from 'node:stream';
import type Docker from 'dockerode';
import * as tar from 'tar-stream';
import type { RegistryCredentials } from '../images/registry-auth.js';
import type { ImageBuild } from './engine.js';

/** One line of what the engine says while it builds or pushes. */
interface ProgressEvent {
  stream?: string;
  status?: string;
  error?: string;
  errorDetail?: { message?: string };
  aux?: { ID?: string; Digest?: string };
}

/** A build the engine refused or that failed: what it said, for the step's error. */
export class ImageBuildError extends Error {
  override readonly name = 'ImageBuildError';
}

/** The repository an empty image is kept under: what carries a build step's workspace. */
const EMPTY_IMAGE = 'dockercise/empty:1';

/**
 * An image with nothing in it, imported from an empty archive (no registry): what a build step's
 * workspace volumes are carried by, as a step's own image carries its. Made once per engine.
 */
export async function emptyImage(docker: Docker): Promise<string> {
  const found = await docker
    .getImage(EMPTY_IMAGE)
    .inspect()
    .then(
      () => true,
      () => false,
    );
  if (found) return EMPTY_IMAGE;
  const pack = tar.pack();
  pack.finalize();
  const stream = (await docker.importImage(pack as unknown as Readable, {
    repo: 'dockercise/empty',
    tag: '1',
  })) as NodeJS.ReadableStream;
  await follow(docker, stream, () => {});
  return EMPTY_IMAGE;
}

/**
 * Builds an image with the engine's own builder from a context archive (entries at its root), as
 * `docker build` does: never with the host's network or any mount but the context's files, no
 * insecure entitlement. Each line the builder prints goes to `onLine`; the built image's id comes
 * back. Aborting the signal drops the request, which ends the build.
 */
export async function buildImage(
  docker: Docker,
  context: Readable,
  build: ImageBuild,
  onLine: (text: string) => void,
  signal?: AbortSignal,
): Promise<string> {
  const stream = (await docker.buildImage(context as unknown as NodeJS.ReadableStream, {
    dockerfile: build.dockerfile,
    ...(build.target ? { target: build.target } : {}),
    buildargs: build.args,
    labels: build.labels,
    rm: true,
    forcerm: true,
  })) as unknown as NodeJS.ReadableStream & { destroy?: () => void };
  const onAbort = (): void => stream.destroy?.();
  signal?.addEventListener('abort', onAbort, { once: true });
  let id: string | undefined;
  try {
    await follow(docker, stream, (event) => {
      if (event.stream) for (const line of event.stream.split('\n')) if (line.trim()) onLine(line);
      if (event.aux?.ID) id = event.aux.ID;
    });
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
  if (signal?.aborted) throw new ImageBuildError('the build was stopped');
  if (!id) throw new ImageBuildError('the engine built no image');
  return id;
}

/** Tags the image as `name` and pushes it with the registry's credentials; the pushed digest. */
export async function pushImage(
  docker: Docker,
  image: string,
  name: string,
  credentials?: RegistryCredentials,
): Promise<string> {
  const at = name.lastIndexOf(':');
  const hasTag = at > name.lastIndexOf('/');
  const repo = hasTag ? name.slice(0, at) : name;
  const tag = hasTag ? name.slice(at + 1) : 'latest';
  await docker.getImage(image).tag({ repo, tag });
  const stream = (await docker.getImage(`${repo}:${tag}`).push({
    ...(credentials ? { authconfig: credentials } : {}),
  })) as NodeJS.ReadableStream;
  let digest: string | undefined;
  await follow(docker, stream, (event) => {
    if (event.aux?.Digest) digest = event.aux.Digest;
  });
  if (!digest) throw new ImageBuildError(`the registry gave no digest for ${name}`);
  return digest;
}

/** Reads a progress stream to its end; an error event in it fails the call with its message. */
function follow(
  docker: Docker,
  stream: NodeJS.ReadableStream,
  onEvent: (event: ProgressEvent) => void,
): Promise<void> {
  return new Promise((resolve, reject) => {
    let failure: string | undefined;
    docker.modem.followProgress(
      stream,
      (error: Error | null) => {
        if (error) reject(new ImageBuildError(error.message, { cause: error }));
        else if (failure) reject(new ImageBuildError(failure));
        else resolve();
      },
      (event: ProgressEvent) => {
        if (event.error) failure = event.errorDetail?.message ?? event.error;
        else onEvent(event);
      },
    );
  });
}
