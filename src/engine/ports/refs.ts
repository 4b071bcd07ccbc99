/** Platforms quizbot speaks on. */
export type Platform = 'discord' | 'slack' | 'terminal';

/** A user on one platform. */
export interface UserRef {
  /** Platform the user is on. */
  platform: Platform;
  /** Platform user id. */
  userId: string;
}

/** A team: a Discord server or a Slack workspace (or the local terminal). */
export interface TeamRef {
  /** Platform of the team. */
  platform: Platform;
  /** Guild id / workspace (team) id. */
  teamId: string;
}

/** Where a posted message lives, enough to edit it later. */
export interface MessageRef {
  /** Channel id. */
  channelId: string;
  /** Message id (Discord snowflake, Slack ts). */
  messageId: string;
}
