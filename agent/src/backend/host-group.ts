/**
 * The group of hosts this agent's host belongs to (an EC2 Auto Scaling group on AWS). The control
 * plane sets how many hosts run; each host keeps itself from being scaled in while it serves, and
 * when it has been idle long enough lets go and makes the group one smaller — which, the host now
 * the one unprotected, returns it to the warm pool, stopped, its disk kept.
 */
export interface HostGroup {
  /** Where the group is taking this host: `InService`, or on its way out (`Warmed:Stopped`, …). */
  targetState(): Promise<string>;
  /** Whether the group may choose this host when it scales in. */
  protect(fromScaleIn: boolean): Promise<void>;
  /** Makes the group one host smaller. */
  scaleInOne(): Promise<void>;
}

export const IN_SERVICE = 'InService';
