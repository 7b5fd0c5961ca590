/**
 * The service's keyless check of frames a client sends (mesh brief §6 #7; lib/sequence
 * replica operations): against the state the store keeps beside a container's head (its
 * `frontier`, the encoded ReplicaState), each frame must be the next index and carry the
 * chain and Merkle digests that follow from the state and its own PayloadDigest. Nothing needs
 * the payload keys, which the service does not have.
 * @module
 */
import { EMPTY_REPLICA, checkFrames, decodeReplicaState, encodeReplicaState } from '../../index.js';
import type { ContainerState } from '../store/store.js';
import type { FrameChecker } from './handlers.js';

export const replicaFrameChecker: FrameChecker = async (current: ContainerState, frames: readonly Uint8Array[]): Promise<ContainerState> => {
  const state = current.index < 0 ? EMPTY_REPLICA : decodeReplicaState(current.frontier);
  if (state.index !== current.index) throw new RangeError(`the stored state of ${current.container} is at frame ${state.index}, its head at ${current.index}`);
  const checked = await checkFrames(state, frames);
  return { container: current.container, index: checked.state.index, apex: checked.state.apex, frontier: encodeReplicaState(checked.state) };
};
